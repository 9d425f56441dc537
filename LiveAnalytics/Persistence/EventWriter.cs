using LiveAnalytics.Ingestion;
using Npgsql;
using NpgsqlTypes;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Writes a batch of events with one binary COPY into a temporary table, then moves them into
/// <c>events</c> skipping ids already there: a redelivered batch (a crash between commit and XACK)
/// therefore stores nothing twice.
/// </summary>
public sealed class EventWriter(NpgsqlDataSource db)
{
    // The order of the writes in WriteAsync.
    private const string CopyCommand = """
        COPY events_incoming (id, site_id, ts, name, hostname, pathname, visitor_id, session_id,
                              referrer, source, medium, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
                              browser, browser_version, os, os_version, device, country,
                              props, revenue_amount, revenue_currency) FROM STDIN (FORMAT BINARY)
        """;

    public async Task<int> WriteAsync(IReadOnlyCollection<TrackedEvent> events, CancellationToken ct)
    {
        if (events.Count == 0) return 0;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE events_incoming (LIKE events INCLUDING DEFAULTS) ON COMMIT DROP", conn, tx))
            await create.ExecuteNonQueryAsync(ct);

        await using (var copy = await conn.BeginBinaryImportAsync(CopyCommand, ct))
        {
            foreach (var e in events)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(e.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.SiteId, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(e.Timestamp, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(e.Name, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.Hostname, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.Pathname, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.VisitorId, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(e.SessionId, NpgsqlDbType.Bigint, ct);
                foreach (var text in (string?[])[e.Referrer, e.Source, e.Medium, e.UtmSource, e.UtmMedium, e.UtmCampaign,
                             e.UtmContent, e.UtmTerm, e.Browser, e.BrowserVersion, e.Os, e.OsVersion, e.Device, e.Country])
                    await WriteNullableAsync(copy, text, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, e.Props, NpgsqlDbType.Jsonb, ct);
                await WriteNullableAsync(copy, e.RevenueAmount, NpgsqlDbType.Numeric, ct);
                await WriteNullableAsync(copy, e.RevenueCurrency, NpgsqlDbType.Text, ct);
            }
            await copy.CompleteAsync(ct);
        }

        int inserted;
        await using (var move = new NpgsqlCommand(
            "INSERT INTO events SELECT * FROM events_incoming ON CONFLICT (id) DO NOTHING", conn, tx))
            inserted = await move.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return inserted;
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);
}
