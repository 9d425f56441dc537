using LiveAnalytics.Infrastructure;
using Dapper;
using Npgsql;

namespace LiveAnalytics.Settings;

/// <summary>
/// API keys: 256 random bits shown once at creation; only their SHA-256 is stored. A key acts for
/// the user who made it, on that user's sites, or only on the sites it was limited to.
/// </summary>
public sealed class ApiKeys(NpgsqlDataSource db)
{
    private const string Prefix = "la_";

    /// <param name="siteIds">Empty: all of the user's sites, now and later.</param>
    public async Task<(ApiKeyInfo Info, string Secret)> CreateAsync(Guid userId, string name, IReadOnlyCollection<long>? siteIds = null)
    {
        var secret = Secrets.New(Prefix, 32);
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var id = await conn.QuerySingleAsync<long>("""
            INSERT INTO api_keys (user_id, name, prefix, key_hash) VALUES (@userId, @name, @prefix, @hash) RETURNING id
            """, new { userId, name, prefix = secret[..10], hash = Secrets.Hash(secret) }, tx);
        // Only sites the user is a member of can be in a key's scope.
        await conn.ExecuteAsync("""
            INSERT INTO api_key_sites (api_key_id, site_id)
            SELECT @id, m.site_id FROM site_members m WHERE m.user_id = @userId AND m.site_id = ANY(@siteIds)
            """, new { id, userId, siteIds = (siteIds ?? []).ToArray() }, tx);
        await tx.CommitAsync();
        return ((await ListAsync(userId)).Single(k => k.Id == id), secret);
    }

    /// <summary>Who a live (unrevoked) key acts for, and its site scope; null for an unknown or revoked key.</summary>
    public async Task<ApiKeyPrincipal?> AuthenticateAsync(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > 100) return null;
        await using var conn = await db.OpenConnectionAsync();
        var key = await conn.QuerySingleOrDefaultAsync<(long Id, Guid UserId, bool Noted)?>($"""
            SELECT id, user_id, {LastUse.NotedSql} FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL
            """, new { hash = Secrets.Hash(secret) });
        if (key is not { } k) return null;
        if (!k.Noted) await LastUse.NoteAsync(conn, "api_keys", k.Id);
        var sites = (await conn.QueryAsync<long>("SELECT site_id FROM api_key_sites WHERE api_key_id = @Id", new { k.Id })).ToHashSet();
        return new ApiKeyPrincipal(k.Id, k.UserId, sites.Count == 0 ? null : sites);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<ApiKeyInfo>("""
            SELECT k.id AS Id, k.name AS Name, k.prefix AS Prefix, k.created_at AS CreatedAt,
                   coalesce(string_agg(s.domain, ', ' ORDER BY s.domain), '') AS Sites, k.last_used_at AS LastUsedAt
            FROM api_keys k
            LEFT JOIN api_key_sites ks ON ks.api_key_id = k.id
            LEFT JOIN sites s ON s.id = ks.site_id
            WHERE k.user_id = @userId AND k.revoked_at IS NULL
            GROUP BY k.id ORDER BY k.created_at
            """, new { userId })).AsList();
    }

    public async Task<bool> RevokeAsync(Guid userId, long keyId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteAsync(
            "UPDATE api_keys SET revoked_at = now() WHERE id = @keyId AND user_id = @userId AND revoked_at IS NULL",
            new { keyId, userId }) == 1;
    }

}

/// <param name="Sites">Empty string: all of the user's sites.</param>
/// <param name="LastUsedAt">When a request last came with it (to the minute); null: never.</param>
public sealed record ApiKeyInfo(long Id, string Name, string Prefix, DateTimeOffset CreatedAt, string Sites, DateTimeOffset? LastUsedAt);

/// <param name="SiteIds">null: every site the user is a member of.</param>
public sealed record ApiKeyPrincipal(long KeyId, Guid UserId, IReadOnlySet<long>? SiteIds)
{
    public bool Reaches(long siteId) => SiteIds is null || SiteIds.Contains(siteId);
}
