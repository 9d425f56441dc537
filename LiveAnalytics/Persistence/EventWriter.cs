using LiveAnalytics.Ingestion;
using Npgsql;
using NpgsqlTypes;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Writes a batch of events with binary COPY. The common case is one plain COPY into <c>events</c>.
/// A batch that may hold redeliveries (entries read again after a crash between commit and XACK)
/// goes through a temporary table and <c>INSERT … ON CONFLICT DO NOTHING</c>, which is slower but
/// stores nothing twice; so does a plain batch that meets an id already stored. Either way the hours
/// the events fall in are marked for the rollups in the same transaction.
/// </summary>
public sealed class EventWriter(NpgsqlDataSource db)
{
    // The order of the writes in CopyAsync.
    private const string Columns = """
        id, site_id, ts, name, hostname, pathname, visitor_id, session_id,
        referrer, source, medium, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
        browser, browser_version, os, os_version, device, country, props, revenue_amount, revenue_currency
        """;

    /// <returns>The number of rows inserted (redelivered ones are not counted).</returns>
    public async Task<int> WriteAsync(IReadOnlyCollection<TrackedEvent> events, bool mayBeRedelivered, CancellationToken ct)
    {
        if (events.Count == 0) return 0;
        if (!mayBeRedelivered)
        {
            try
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                await using var tx = await conn.BeginTransactionAsync(ct);
                var copied = (int)await CopyAsync(conn, "events", events, ct);
                await MarkHoursAsync(conn, tx, events, ct);
                await tx.CommitAsync(ct);
                return copied;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // Some of these were stored before: the COPY rolled back whole; take the careful path.
            }
        }
        return await WriteSkippingDuplicatesAsync(events, ct);
    }

    private async Task<int> WriteSkippingDuplicatesAsync(IReadOnlyCollection<TrackedEvent> events, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE events_incoming (LIKE events INCLUDING DEFAULTS) ON COMMIT DROP", conn, tx))
            await create.ExecuteNonQueryAsync(ct);
        await CopyAsync(conn, "events_incoming", events, ct);
        int inserted;
        await using (var move = new NpgsqlCommand(
            $"INSERT INTO events ({Columns}) SELECT {Columns} FROM events_incoming ON CONFLICT (id) DO NOTHING", conn, tx))
            inserted = await move.ExecuteNonQueryAsync(ct);
        await MarkHoursAsync(conn, tx, events, ct);
        await tx.CommitAsync(ct);
        return inserted;
    }

    /// <summary>
    /// Marks the UTC hours these events fall in as stale for the rollups, in the transaction that
    /// stores them: a late event re-rolls its hour, and a crash loses neither or both.
    /// </summary>
    private static async Task MarkHoursAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<TrackedEvent> events, CancellationToken ct)
    {
        var hours = events.Select(e => (e.SiteId, Hour: StartOfHour(e.Timestamp))).Distinct().ToArray();
        await using var mark = new NpgsqlCommand("""
            INSERT INTO rollup_dirty_hours (site_id, hour) SELECT * FROM unnest(@sites, @hours) ON CONFLICT DO NOTHING
            """, conn, tx);
        mark.Parameters.AddWithValue("sites", hours.Select(h => h.SiteId).ToArray());
        mark.Parameters.AddWithValue("hours", hours.Select(h => h.Hour).ToArray());
        await mark.ExecuteNonQueryAsync(ct);
    }

    private static DateTime StartOfHour(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        return new DateTime(ticks - ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
    }

    private static async Task<ulong> CopyAsync(NpgsqlConnection conn, string table, IEnumerable<TrackedEvent> events, CancellationToken ct)
    {
        await using var copy = await conn.BeginBinaryImportAsync($"COPY {table} ({Columns}) FROM STDIN (FORMAT BINARY)", ct);
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
        return await copy.CompleteAsync(ct);
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);
}
