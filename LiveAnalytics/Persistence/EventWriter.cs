using System.Text;
using LiveAnalytics.Ingestion;
using Npgsql;
using NpgsqlTypes;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Writes a batch of events with binary COPY. The common case is one plain COPY into <c>events</c>.
/// A batch that may hold redeliveries (entries read again after a crash between commit and XACK)
/// goes through a temporary table and <c>INSERT … ON CONFLICT DO NOTHING</c>, which is slower but
/// stores nothing twice; so does a plain batch that meets an id already stored. Either way the rows
/// carry a batch number, and the batch is noted for the incremental rollup in the same transaction.
/// An event PostgreSQL will not take goes to <c>rejected_events</c> instead, and the rest are stored. Engagement reports
/// go to their own tables in the same transaction (<see cref="EngagementWriter"/>).
/// </summary>
public sealed partial class EventWriter(NpgsqlDataSource db, PersistenceMetrics metrics, ILogger<EventWriter> logger)
{
    // The order of the writes in CopyAsync.
    private const string Columns = """
        id, site_id, ts, name, hostname, pathname, visitor_id, session_id,
        referrer, source, medium, utm_source, utm_medium, utm_campaign, utm_content, utm_term,
        browser, browser_version, os, os_version, device, country, region, city, channel, props, revenue_amount, revenue_currency, batch
        """;

    /// <returns>The number of rows inserted (redelivered and rejected ones are not counted).</returns>
    public async Task<int> WriteAsync(IReadOnlyCollection<TrackedEvent> events, bool mayBeRedelivered, CancellationToken ct)
    {
        if (events.Count == 0) return 0;
        int stored;
        try
        {
            stored = await WriteBatchAsync(events, mayBeRedelivered, ct);
        }
        catch (Exception e) when (IsUnstorable(e))
        {
            // Validation should let no such event through; if one comes all the same, it would fail its batch on
            // every retry while the backlog grew behind it, until ingestion refused everyone's events.
            LogUnstorable(e, events.Count);
            stored = await IsolateAsync(events as TrackedEvent[] ?? events.ToArray(), e, ct);
        }
        metrics.Stored(stored);
        return stored;
    }

    /// <summary>The batch's events, and its engagement reports apart (a batch of a server's events has none: no copies then).</summary>
    private static (IReadOnlyCollection<TrackedEvent> Events, TrackedEvent[] Engagements) Split(IReadOnlyCollection<TrackedEvent> events)
    {
        var engagements = 0;
        foreach (var e in events) if (e.IsEngagement) engagements++;
        if (engagements == 0) return (events, []);
        return (events.Where(e => !e.IsEngagement).ToArray(), events.Where(e => e.IsEngagement).ToArray());
    }

    private async Task<int> WriteBatchAsync(IReadOnlyCollection<TrackedEvent> all, bool mayBeRedelivered, CancellationToken ct)
    {
        if (!mayBeRedelivered)
        {
            try
            {
                var (events, engagements) = Split(all);
                await using var conn = await db.OpenConnectionAsync(ct);
                await using var tx = await conn.BeginTransactionAsync(ct);
                var copied = 0;
                if (events.Count > 0)
                {
                    var batch = await NextBatchAsync(conn, tx, ct);
                    copied = (int)await CopyAsync(conn, "events", events, batch, ct);
                    await NoteBatchAsync(conn, tx, events, batch, ct);
                }
                copied += await EngagementWriter.InsertAsync(conn, tx, engagements, ct);
                await tx.CommitAsync(ct);
                return copied;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // Some of these were stored before: the COPY rolled back whole; take the careful path.
            }
        }
        return await WriteSkippingDuplicatesAsync(all, ct);
    }

    /// <summary>A failure that the same events will meet again on every try: their data, not the database's state.</summary>
    private static bool IsUnstorable(Exception e) => e switch
    {
        // Data exceptions (22: a NUL in text, a number out of range), integrity (23) but a duplicate, program limits (54).
        PostgresException p => p.SqlState[..2] is "22" or "54" || (p.SqlState[..2] is "23" && p.SqlState != PostgresErrorCodes.UniqueViolation),
        // Thrown while writing a value, before PostgreSQL saw it (text that cannot be encoded as UTF-8).
        EncoderFallbackException or InvalidCastException or OverflowException => true,
        _ => false,
    };

    /// <summary>
    /// Stores the events in halves, and the halves of a half that fails again, until each event that cannot be
    /// stored is alone; that one is kept in <c>rejected_events</c>. A few dozen transactions for one bad event in
    /// a thousand. A failure of another kind (PostgreSQL away) propagates: the batch is tried again whole later,
    /// and what was stored meanwhile is skipped as a redelivery.
    /// </summary>
    private async Task<int> IsolateAsync(ArraySegment<TrackedEvent> events, Exception error, CancellationToken ct)
    {
        if (events.Count == 1)
        {
            await RejectAsync(events[0], error, ct);
            return 0;
        }
        var stored = 0;
        var half = events.Count / 2;
        foreach (var part in (ArraySegment<TrackedEvent>[])[events[..half], events[half..]])
        {
            try
            {
                stored += await WriteSkippingDuplicatesAsync(part, ct);
            }
            catch (Exception e) when (IsUnstorable(e))
            {
                stored += await IsolateAsync(part, e, ct);
            }
        }
        return stored;
    }

    private async Task RejectAsync(TrackedEvent e, Exception error, CancellationToken ct)
    {
        await SetAside.RejectedEventAsync(db, e, $"{error.GetType().Name}: {error.Message}", ct);
        metrics.RejectedEvent();
        LogRejected(e.Id, e.SiteId, error.Message);
    }

    /// <summary>Keeps stream entries that could not be read, as they are, in <c>unreadable_entries</c> (once each).</summary>
    public async Task KeepUnreadableAsync(IReadOnlyList<UnreadableEntry> entries, CancellationToken ct)
    {
        metrics.UnreadableEntries(await SetAside.UnreadableEntriesAsync(db, entries, ct));
    }

    [LoggerMessage(LogLevel.Error, "A batch of {Count} events could not be stored for what one of them holds; storing it in parts")]
    private partial void LogUnstorable(Exception ex, int count);

    [LoggerMessage(LogLevel.Error, "Event {Id} of site {SiteId} cannot be stored ({Error}); it is kept in rejected_events")]
    private partial void LogRejected(Guid id, long siteId, string error);

    private async Task<int> WriteSkippingDuplicatesAsync(IReadOnlyCollection<TrackedEvent> all, CancellationToken ct)
    {
        var (events, engagements) = Split(all);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var stored = await EngagementWriter.InsertAsync(conn, tx, engagements, ct);
        if (events.Count == 0)
        {
            await tx.CommitAsync(ct);
            return stored;
        }
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE events_incoming (LIKE events INCLUDING DEFAULTS) ON COMMIT DROP", conn, tx))
            await create.ExecuteNonQueryAsync(ct);
        var batch = await NextBatchAsync(conn, tx, ct);
        await CopyAsync(conn, "events_incoming", events, batch, ct);
        int inserted;
        await using (var move = new NpgsqlCommand(
            $"INSERT INTO events ({Columns}) SELECT {Columns} FROM events_incoming ON CONFLICT (id) DO NOTHING", conn, tx))
            inserted = await move.ExecuteNonQueryAsync(ct);
        // Only the rows inserted carry this batch number: the ones stored before are not rolled up twice.
        await NoteBatchAsync(conn, tx, events, batch, ct);
        await tx.CommitAsync(ct);
        return inserted + stored;
    }

    private static async Task<long> NextBatchAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        await using var next = new NpgsqlCommand("SELECT nextval('event_batches')", conn, tx);
        return (long)(await next.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// A batch whose events span more than this (an import of history, a resend of old events) is read back
    /// by the rollup through their ids, not through its time span, which would hold every other event of it.
    /// Live batches span seconds.
    /// </summary>
    internal static readonly TimeSpan WideSpan = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Notes the batch, per site with the time span of its events (and their ids if it is wide), for the
    /// incremental rollup, in the transaction that stores it: a crash loses neither or both, and a late event
    /// is rolled up like any other.
    /// </summary>
    private static async Task NoteBatchAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<TrackedEvent> events, long batch, CancellationToken ct)
    {
        var spans = events.GroupBy(e => e.SiteId)
            .Select(g => (Site: g.Key, First: g.Min(e => e.Timestamp), Last: g.Max(e => e.Timestamp), Count: g.Count(), Events: g)).ToArray();
        await using var note = new NpgsqlCommand("""
            INSERT INTO rollup_batches (site_id, batch, first_ts, last_ts, events)
            SELECT s, @batch, f, l, n FROM unnest(@sites, @firsts, @lasts, @counts) u(s, f, l, n)
            """, conn, tx);
        note.Parameters.AddWithValue("batch", batch);
        note.Parameters.AddWithValue("sites", spans.Select(s => s.Site).ToArray());
        note.Parameters.AddWithValue("firsts", spans.Select(s => s.First.UtcDateTime).ToArray());
        note.Parameters.AddWithValue("lasts", spans.Select(s => s.Last.UtcDateTime).ToArray());
        note.Parameters.AddWithValue("counts", spans.Select(s => s.Count).ToArray());
        await note.ExecuteNonQueryAsync(ct);
        foreach (var wide in spans.Where(s => s.Last - s.First > WideSpan))
        {
            await using var ids = new NpgsqlCommand("UPDATE rollup_batches SET ids = @ids WHERE site_id = @site AND batch = @batch", conn, tx);
            ids.Parameters.AddWithValue("ids", wide.Events.Select(e => e.Id).ToArray());
            ids.Parameters.AddWithValue("site", wide.Site);
            ids.Parameters.AddWithValue("batch", batch);
            await ids.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task<ulong> CopyAsync(NpgsqlConnection conn, string table, IEnumerable<TrackedEvent> events, long batch, CancellationToken ct)
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
                         e.UtmContent, e.UtmTerm, e.Browser, e.BrowserVersion, e.Os, e.OsVersion, e.Device, e.Country, e.Region, e.City, e.Channel])
                await WriteNullableAsync(copy, text, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, e.Props, NpgsqlDbType.Jsonb, ct);
            await WriteNullableAsync(copy, e.RevenueAmount, NpgsqlDbType.Numeric, ct);
            await WriteNullableAsync(copy, e.RevenueCurrency, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(batch, NpgsqlDbType.Bigint, ct);
        }
        return await copy.CompleteAsync(ct);
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);
}

