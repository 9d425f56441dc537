using Dapper;
using LiveAnalytics.Retention;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Sites;

/// <summary>
/// Moves a site to another time zone, for its owners and admins. Rollups are keyed by the site's local hours and
/// days, so they are rebuilt from the raw events: the change deletes them and starts a rebuild in one transaction,
/// under the site's rollup lock, so that no rollup step adds to the old hours meanwhile (the history dashboard fills
/// again as the rebuild goes; live numbers do not wait for it). Refused while the rollups hold days whose raw events
/// the site's retention has deleted: those days could not be rebuilt.
/// </summary>
public sealed class SiteTimeZone(NpgsqlDataSource db, SiteTeam team, RollupBackfill backfill, TimeProvider time)
{
    /// <summary>The zones this server knows (IANA ids on Linux).</summary>
    public static readonly IReadOnlyList<string> Known = TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Order().ToArray();

    /// <returns>An error message, or null when the site is in <paramref name="zone"/> (changed, or already).</returns>
    public async Task<string?> SetAsync(Site site, Guid userId, string? zone)
    {
        if (string.IsNullOrWhiteSpace(zone) || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var found))
            return $"'{zone}' is not a time zone this server knows, such as Europe/Berlin or America/New_York.";
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;

        await using var conn = await db.OpenConnectionAsync();
        await RollupJob.LockSiteForSessionAsync(conn, site.Id, CancellationToken.None);
        try
        {
            await using var tx = await conn.BeginTransactionAsync();
            var current = await conn.QuerySingleOrDefaultAsync<(string Timezone, int? KeepEventsDays)?>(
                "SELECT timezone, keep_events_days FROM sites WHERE id = @Id FOR UPDATE", new { site.Id }, tx);
            if (current is not { } row) return "This site no longer exists.";
            if (row.Timezone == found.Id) return null;
            if (row.KeepEventsDays is { } days && await HoldsDaysBeforeAsync(conn, tx, site.Id, row.Timezone, days))
                return $"The history holds days whose raw events are gone (the site keeps them {days} days), and they " +
                       "could not be rebuilt in another time zone. Keep events for ever and import them again, or keep this zone.";
            await conn.ExecuteAsync("""
                UPDATE sites SET timezone = @zone WHERE id = @Id;
                DELETE FROM rollup_hours WHERE site_id = @Id;
                DELETE FROM rollup_days WHERE site_id = @Id;
                DELETE FROM funnel_days WHERE funnel_id IN (SELECT id FROM funnels WHERE site_id = @Id);
                DELETE FROM property_days WHERE site_id = @Id;
                DELETE FROM property_days_made WHERE site_id = @Id;
                """, new { zone = found.Id, site.Id }, tx);
            await backfill.RestartAsync(conn, tx, site.Id);
            await tx.CommitAsync();
        }
        finally
        {
            await RollupJob.UnlockSiteForSessionAsync(conn, site.Id);
        }
        backfill.EnqueueMarking(site.Id);
        return null;
    }

    // A rebuild leaves hours within a day of the retention as they are (HourRebuild): a day's margin more.
    private async Task<bool> HoldsDaysBeforeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long siteId, string zone, int days)
    {
        var cutoff = EventRetention.Cutoff(time.GetUtcNow(), days).AddDays(2);
        var firstRebuildable = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(cutoff, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime);
        return await conn.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM rollup_days WHERE site_id = @siteId AND day < @firstRebuildable)", new { siteId, firstRebuildable }, tx);
    }
}
