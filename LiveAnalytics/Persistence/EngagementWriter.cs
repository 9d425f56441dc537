using LiveAnalytics.Ingestion;
using Npgsql;
using NpgsqlTypes;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Stores engagement reports in the transaction of their batch's events: each report once by its id (a redelivered
/// one is skipped), and what the new ones add to their page's hour in <c>engagement_hours</c>, which the dashboard reads.
/// </summary>
internal static class EngagementWriter
{
    /// <returns>The reports stored (not the ones stored before).</returns>
    public static async Task<int> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<TrackedEvent> reports, CancellationToken ct)
    {
        if (reports.Count == 0) return 0;
        // The hours' rows are updated in one order (ORDER BY): two writers adding to the same pages cannot deadlock.
        await using var insert = new NpgsqlCommand("""
            WITH new AS (
                INSERT INTO engagements (id, site_id, ts, pathname, session_id, engaged_ms, scroll_gain, first)
                SELECT * FROM unnest(@ids, @sites, @ts, @paths, @sessions, @ms, @gains, @firsts)
                ON CONFLICT (id) DO NOTHING
                RETURNING site_id, ts, pathname, engaged_ms, scroll_gain, first
            ), added AS (
                INSERT INTO engagement_hours AS h (site_id, hour, pathname, views, engaged_ms, scroll)
                SELECT site_id, date_trunc('hour', ts, 'UTC') AS h, pathname, count(*) FILTER (WHERE first), sum(engaged_ms), sum(scroll_gain)
                FROM new GROUP BY 1, 2, 3 ORDER BY site_id, pathname, h
                ON CONFLICT (site_id, pathname, hour) DO UPDATE
                SET views = h.views + excluded.views, engaged_ms = h.engaged_ms + excluded.engaged_ms, scroll = h.scroll + excluded.scroll
            )
            SELECT count(*) FROM new
            """, conn, tx);
        insert.Parameters.AddWithValue("ids", reports.Select(e => e.Id).ToArray());
        insert.Parameters.AddWithValue("sites", reports.Select(e => e.SiteId).ToArray());
        insert.Parameters.Add(new NpgsqlParameter("ts", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = reports.Select(e => e.Timestamp.UtcDateTime).ToArray() });
        insert.Parameters.AddWithValue("paths", reports.Select(e => e.Pathname).ToArray());
        insert.Parameters.AddWithValue("sessions", reports.Select(e => e.SessionId).ToArray());
        insert.Parameters.AddWithValue("ms", reports.Select(e => e.Engagement!.EngagedMs).ToArray());
        insert.Parameters.Add(new NpgsqlParameter("gains", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { Value = reports.Select(e => (short)e.Engagement!.ScrollGain).ToArray() });
        insert.Parameters.AddWithValue("firsts", reports.Select(e => e.Engagement!.First).ToArray());
        return (int)(long)(await insert.ExecuteScalarAsync(ct))!;
    }
}
