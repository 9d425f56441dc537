using Dapper;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Sites;
using Npgsql;

namespace LiveAnalytics.Dashboard;

public sealed record SharedLink(long Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// Links that show a site's history dashboard, read-only, to whoever holds them (<c>/share/{token}</c>): no live view,
/// no settings, no export, no visitor's journey. Owners and admins make and revoke them; the token is shown once.
/// </summary>
public sealed class SharedLinks(NpgsqlDataSource db, SiteTeam team, TimeProvider time)
{
    public const string PathPrefix = "/share/";
    public const int MaxPerSite = 20;
    private const string Prefix = "ls_";

    /// <summary>The lifetimes a link may be given, in days (or none: until revoked).</summary>
    public static readonly int[] Lifetimes = [7, 30, 90, 365];

    public async Task<IReadOnlyList<SharedLink>> ListAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<SharedLink>("""
            SELECT id AS Id, name AS Name, created_at AS CreatedAt, expires_at AS ExpiresAt FROM shared_links
            WHERE site_id = @siteId AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now) ORDER BY created_at
            """, new { siteId, now = time.GetUtcNow() })).AsList();
    }

    /// <returns>The link's path (with its token, shown this once), or an error for the form.</returns>
    /// <param name="days">How long it works (one of <see cref="Lifetimes"/>); null: until revoked.</param>
    public async Task<(string? Path, string? Error)> CreateAsync(Site site, Guid userId, string name, int? days = null)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return (null, SiteTeam.SettingsRefused);
        name = name.Trim();
        if (name.Length is 0 or > 80 || name.Any(char.IsControl)) return (null, "Name the link after who gets it, 1 to 80 characters, e.g. Our agency.");
        if (days is { } d && !Lifetimes.Contains(d)) return (null, $"A link works for {string.Join(", ", Lifetimes)} days, or until revoked.");
        var token = Secrets.New(Prefix);
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync();
        var added = await conn.ExecuteAsync("""
            INSERT INTO shared_links (site_id, name, token_hash, created_at, expires_at)
            SELECT @Id, @name, @hash, @now, @expires
            WHERE (SELECT count(*) FROM shared_links WHERE site_id = @Id AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)) < @max
            """, new { site.Id, name, hash = Secrets.Hash(token), now, expires = days is { } n ? now.AddDays(n) : (DateTimeOffset?)null, max = MaxPerSite });
        return added == 1 ? (PathPrefix + token, null) : (null, $"A site can have at most {MaxPerSite} shared links; revoke one first.");
    }

    /// <returns>An error message, or null when revoked.</returns>
    public async Task<string?> RevokeAsync(Site site, Guid userId, long linkId)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE shared_links SET revoked_at = now() WHERE id = @linkId AND site_id = @Id AND revoked_at IS NULL",
            new { linkId, site.Id });
        return null;
    }

    /// <summary>The site a link shows; null for an unknown, expired or revoked token (or one of a deleted site).</summary>
    public async Task<Site?> FindSiteAsync(string token)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 100) return null;
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<Site>("""
            SELECT s.id AS Id, s.domain AS Domain, s.name AS Name, s.timezone AS Timezone
            FROM shared_links l JOIN sites s ON s.id = l.site_id
            WHERE l.token_hash = @hash AND l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > @now)
            """, new { hash = Secrets.Hash(token), now = time.GetUtcNow() });
    }
}
