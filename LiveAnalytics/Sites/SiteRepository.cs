using Dapper;
using LiveAnalytics.Ingestion;
using Npgsql;

namespace LiveAnalytics.Sites;

/// <summary>
/// Sites as a merchant sees them. Every read takes the user's id and joins on membership,
/// so no query here can hand out a site the user is not a member of.
/// </summary>
public sealed class SiteRepository(NpgsqlDataSource db, SiteDirectory directory, TimeProvider time)
{
    private const string Columns = "s.id AS Id, s.domain AS Domain, s.name AS Name, s.timezone AS Timezone";

    public async Task<IReadOnlyList<Site>> ListForUserAsync(Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<Site>($"""
            SELECT {Columns} FROM sites s JOIN site_members m ON m.site_id = s.id
            WHERE m.user_id = @userId ORDER BY s.name, s.domain
            """, new { userId })).AsList();
    }

    public async Task<Site?> FindForUserAsync(long siteId, Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<Site>($"""
            SELECT {Columns} FROM sites s JOIN site_members m ON m.site_id = s.id
            WHERE s.id = @siteId AND m.user_id = @userId
            """, new { siteId, userId });
    }

    /// <summary>By its domain, or by its previous one for a while after a change (<see cref="SiteIdentity"/>).</summary>
    public async Task<Site?> FindByDomainForUserAsync(string domain, Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<Site>($"""
            SELECT {Columns} FROM sites s JOIN site_members m ON m.site_id = s.id
            WHERE {SiteIdentity.Names("@domain", "s.")} AND m.user_id = @userId
            ORDER BY s.domain = @domain DESC LIMIT 1
            """, new { domain, userId, now = time.GetUtcNow() });
    }

    /// <summary>
    /// Creates the site with <paramref name="ownerId"/> as its owner; null when the domain is taken (another site's, or
    /// another site's previous domain in its grace after a change).
    /// </summary>
    /// <summary>Whether the site has ever had an event stored (raw, or in the rollups, which outlive retention).</summary>
    public async Task<bool> HasEventsAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (SELECT 1 FROM events WHERE site_id = @siteId) OR EXISTS (SELECT 1 FROM rollup_days WHERE site_id = @siteId)
            """, new { siteId });
    }

    public async Task<Site?> CreateAsync(Guid ownerId, NewSite site)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var created = await conn.QuerySingleOrDefaultAsync<Site>($"""
            INSERT INTO sites (domain, name, timezone)
            SELECT @Domain, @Name, @Timezone
            WHERE NOT EXISTS (SELECT 1 FROM sites WHERE {SiteIdentity.Names("@Domain")})
            ON CONFLICT (domain) DO NOTHING
            RETURNING id AS Id, domain AS Domain, name AS Name, timezone AS Timezone
            """, new { site.Domain, site.Name, site.Timezone, now = time.GetUtcNow() }, tx);
        if (created is null) return null;
        await conn.ExecuteAsync("INSERT INTO site_members (site_id, user_id, role) VALUES (@Id, @ownerId, 'owner')",
            new { created.Id, ownerId }, tx);
        await tx.CommitAsync();
        await directory.ChangedAsync(created.Domain);
        return created;
    }
}
