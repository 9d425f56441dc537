using Dapper;
using LiveAnalytics.Ingestion;
using Npgsql;

namespace LiveAnalytics.Sites;

public sealed record SiteExclusion(long Id, string Kind, string Pattern);

/// <summary>A site's IP and path exclusions, changed by its owners and admins.</summary>
public sealed class SiteExclusionRepository(NpgsqlDataSource db, SiteDirectory directory, SiteTeam team)
{
    public const string Ip = "ip", Path = "path";

    public async Task<IReadOnlyList<SiteExclusion>> ListAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<SiteExclusion>(
            "SELECT id AS Id, kind AS Kind, pattern AS Pattern FROM site_exclusions WHERE site_id = @siteId ORDER BY kind, pattern",
            new { siteId })).AsList();
    }

    /// <summary>Adds a rule; returns an error message for the form when the pattern is not valid.</summary>
    public async Task<string?> AddAsync(Site site, Guid userId, string kind, string pattern)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        pattern = pattern.Trim();
        var error = kind switch
        {
            Ip when !SiteExclusions.TryParseRange(pattern, out _) => $"'{pattern}' is not an IP address or a CIDR range such as 203.0.113.0/24.",
            Path when !SiteExclusions.IsValidPathPattern(pattern) => "A path pattern starts with / and may use * for any characters, e.g. /admin/*.",
            Ip or Path => null,
            _ => $"Unknown kind '{kind}'.",
        };
        if (error is not null) return error;
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO site_exclusions (site_id, kind, pattern) VALUES (@Id, @kind, @pattern) ON CONFLICT DO NOTHING
            """, new { site.Id, kind, pattern });
        await directory.ChangedAsync(site.Domain);
        return null;
    }

    /// <returns>An error message, or null when removed.</returns>
    public async Task<string?> RemoveAsync(Site site, Guid userId, long exclusionId)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("DELETE FROM site_exclusions WHERE id = @exclusionId AND site_id = @Id", new { exclusionId, site.Id });
        await directory.ChangedAsync(site.Domain);
        return null;
    }
}
