using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Sites;
using Npgsql;

namespace LiveAnalytics.Retention;

/// <summary>
/// How long each site keeps its raw events (a setting of the site's admins): the rollups stay, so dashboards
/// without filters show every day ever stored, while filtered views and the Stats API, which read raw events,
/// count only the days kept.
/// </summary>
public sealed class EventRetention(NpgsqlDataSource db, SiteDirectory directory, SiteTeam team)
{
    /// <summary>
    /// At least a month: a batch may carry events up to <c>Ingestion:MaxEventAgeHours</c> old, and rollups of recent
    /// hours are rebuilt from raw events, so those must still be there.
    /// </summary>
    public const int MinDays = 30, MaxDays = 36_500;

    /// <returns>The site's days, or null: kept for ever.</returns>
    public async Task<int?> GetAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int?>("SELECT keep_events_days FROM sites WHERE id = @siteId", new { siteId });
    }

    /// <summary>Sets it for the site's owners and admins, as every setting: shortening it deletes data.</summary>
    /// <returns>An error message, or null when saved.</returns>
    public async Task<string?> SetAsync(Site site, Guid userId, int? days)
    {
        if (days is < MinDays or > MaxDays) return $"Keep raw events between {MinDays} and {MaxDays} days, or leave it empty to keep them for ever.";
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE sites SET keep_events_days = @days WHERE id = @Id", new { days, site.Id });
        // Ingestion refuses events older than the retention: every node's copy of the site must learn it.
        await directory.ChangedAsync(site.Domain);
        return null;
    }

    /// <summary>The first kept instant for a site keeping <paramref name="days"/>: the start of a UTC hour, so an hour is kept whole or not at all.</summary>
    public static DateTimeOffset Cutoff(DateTimeOffset now, int days)
    {
        var at = now.ToUniversalTime().AddDays(-days);
        return new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, 0, 0, TimeSpan.Zero);
    }
}
