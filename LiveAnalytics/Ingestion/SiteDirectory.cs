using Dapper;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Resolves a beacon's domain to its site id. Known sites stay cached for minutes so the beacon
/// path rarely touches Postgres; unknown domains are cached briefly so a flood of forged domains
/// cannot hammer the database, yet a site added on another node is found within seconds.
/// </summary>
public sealed class SiteDirectory(NpgsqlDataSource db, IMemoryCache cache)
{
    private static readonly TimeSpan KnownFor = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan UnknownFor = TimeSpan.FromSeconds(5);

    public async ValueTask<long?> FindAsync(string domain, CancellationToken ct = default)
    {
        var key = CacheKey(domain);
        if (cache.TryGetValue(key, out long? cached)) return cached;
        await using var conn = await db.OpenConnectionAsync(ct);
        var id = await conn.QuerySingleOrDefaultAsync<long?>("SELECT id FROM sites WHERE domain = @domain", new { domain });
        cache.Set(key, id, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = id is null ? UnknownFor : KnownFor, Size = 1 });
        return id;
    }

    /// <summary>Called when a site is added here, so this node knows it at once.</summary>
    public void Forget(string domain) => cache.Remove(CacheKey(domain));

    private static string CacheKey(string domain) => "site-domain:" + domain;
}
