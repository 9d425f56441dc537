using Dapper;
using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Ingestion;

/// <summary>What the beacon path needs to know about a site.</summary>
/// <param name="KeepEventsDays">Its raw events' retention (null: for ever): older events are refused, not stored to be deleted.</param>
/// <param name="RevenueCurrency">The only currency its revenue may come in (null: any).</param>
public sealed record SiteRoute(long Id, SiteExclusions Exclusions, int? KeepEventsDays = null, string? RevenueCurrency = null);

/// <summary>
/// Resolves a beacon's domain to its site. Known sites stay cached so the beacon path rarely touches
/// Postgres; a change on any node is announced over Redis pub/sub and every node forgets its copy.
/// Unknown domains are cached briefly so a flood of forged domains cannot hammer the database.
/// While Postgres is down, the last known copy keeps serving: events still flow into the stream.
/// </summary>
public sealed class SiteDirectory
{
    private static readonly TimeSpan FreshFor = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan KeptFor = TimeSpan.FromHours(6);
    private static readonly TimeSpan UnknownFor = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _db;
    private readonly IMemoryCache _cache;
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly RedisChannel _changes;

    public SiteDirectory(NpgsqlDataSource db, IMemoryCache cache, IConnectionMultiplexer redis, IOptions<RedisOptions> options, TimeProvider time)
    {
        (_db, _cache, _redis, _time) = (db, cache, redis, time);
        _changes = RedisChannel.Literal($"{options.Value.KeyPrefix}:site-changed");
    }

    /// <summary>
    /// Listens for other nodes' changes; <see cref="SiteChangeListener"/> retries while Redis is away.
    /// A change announced while a node is not listening still reaches it when its copy expires.
    /// </summary>
    public Task ListenAsync() =>
        _redis.GetSubscriber().SubscribeAsync(_changes, (_, domain) => _cache.Remove(CacheKey(domain!)));

    /// <exception cref="Npgsql.NpgsqlException">Postgres is down and this domain is not known here.</exception>
    public async ValueTask<SiteRoute?> FindAsync(string domain, CancellationToken ct = default)
    {
        var key = CacheKey(domain);
        var cached = _cache.Get<Cached>(key);
        if (cached is not null && cached.FetchedAt + (cached.Route is null ? UnknownFor : FreshFor) > _time.GetUtcNow())
            return cached.Route;
        try
        {
            var route = await LoadAsync(domain, ct);
            _cache.Set(key, new Cached(route, _time.GetUtcNow()),
                new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = route is null ? UnknownFor : KeptFor, Size = 1 });
            return route;
        }
        catch (Exception e) when (cached?.Route is not null && e is NpgsqlException or TimeoutException)
        {
            return cached.Route;
        }
    }

    private async Task<SiteRoute?> LoadAsync(string domain, CancellationToken ct)
    {
        await using var conn = await _db.OpenConnectionAsync(ct);
        // Its domain, or its previous one for a while after a change (SiteIdentity): pages still carrying the old
        // snippet keep sending. A cached old domain is read again within FreshFor, so it stops within minutes of the end.
        var site = await conn.QuerySingleOrDefaultAsync<(long Id, int? KeepEventsDays, string? RevenueCurrency)?>($"""
            SELECT id, keep_events_days, revenue_currency FROM sites
            WHERE {Sites.SiteIdentity.Names("@domain")}
            ORDER BY domain = @domain DESC LIMIT 1
            """, new { domain, now = _time.GetUtcNow() });
        SiteRoute? route = null;
        if (site is { } found)
        {
            var (siteId, keepEventsDays, revenueCurrency) = found;
            var rules = (await conn.QueryAsync<(string Kind, string Pattern)>(
                "SELECT kind, pattern FROM site_exclusions WHERE site_id = @siteId", new { siteId })).AsList();
            route = new SiteRoute(siteId, rules.Count == 0 ? SiteExclusions.None : new SiteExclusions(
                rules.Where(r => r.Kind == "ip").Select(r => r.Pattern), rules.Where(r => r.Kind == "path").Select(r => r.Pattern)), keepEventsDays, revenueCurrency);
        }
        return route;
    }

    private sealed record Cached(SiteRoute? Route, DateTimeOffset FetchedAt);

    /// <summary>Called after a site, its exclusions, retention or currency change: every node drops its cached copy.</summary>
    public async Task ChangedAsync(string domain)
    {
        _cache.Remove(CacheKey(domain));
        try { await _redis.GetSubscriber().PublishAsync(_changes, domain); }
        catch (RedisException) { /* the other nodes' copies expire within minutes */ }
    }

    private static string CacheKey(string domain) => "site-domain:" + domain;
}
