using Dapper;
using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Widgets;

/// <summary>What a widget token allows: one site, some widgets, framed by some origins.</summary>
/// <param name="Events">The custom events its recent-events widget may count.</param>
public sealed record WidgetGrant(long TokenId, long SiteId, IReadOnlySet<string> Widgets, IReadOnlyList<string> AllowedOrigins, IReadOnlySet<string> Events);

public sealed record WidgetTokenInfo(long Id, string Name, string Prefix, string[] Widgets, string[] AllowedOrigins, DateTimeOffset CreatedAt, string[] Events,
    DateTimeOffset? LastUsedAt);

/// <summary>
/// Widget tokens: 192 random bits, shown once, stored as SHA-256. Only a site's owners and admins
/// manage them. Every widget viewer's request checks its token, so grants are cached briefly and a
/// revocation is announced to all nodes, which drop the grant and close the open widget streams.
/// </summary>
public sealed class WidgetTokens
{
    private const string Prefix = "lw_";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private readonly NpgsqlDataSource _db;
    private readonly IMemoryCache _cache;
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisChannel _revoked;

    public WidgetTokens(NpgsqlDataSource db, IMemoryCache cache, IConnectionMultiplexer redis, IOptions<RedisOptions> options)
    {
        (_db, _cache, _redis) = (db, cache, redis);
        _revoked = RedisChannel.Literal($"{options.Value.KeyPrefix}:widget-token-revoked");
    }

    /// <summary>Raised on every node when a token is revoked anywhere; open widget streams close.</summary>
    public event Action<long>? Revoked;

    public Task ListenAsync() => _redis.GetSubscriber().SubscribeAsync(_revoked, (_, id) => Forget((long)id));

    /// <param name="events">The custom events a recent-events widget of the token may count (none by default).</param>
    /// <returns>null when the user may not manage the site's widgets.</returns>
    public async Task<(WidgetTokenInfo Info, string Token)?> CreateAsync(
        Guid userId, long siteId, string name, IReadOnlyCollection<string> widgets, IReadOnlyList<string> origins, IReadOnlyList<string>? events = null)
    {
        var token = Secrets.New(Prefix);
        await using var conn = await _db.OpenConnectionAsync();
        var id = await conn.QuerySingleOrDefaultAsync<long?>("""
            INSERT INTO widget_tokens (site_id, created_by, name, prefix, token_hash, widgets, allowed_origins, events)
            SELECT m.site_id, m.user_id, @name, @prefix, @hash, @widgets, @origins, @events
            FROM site_members m WHERE m.site_id = @siteId AND m.user_id = @userId AND m.role IN ('owner', 'admin')
            RETURNING id
            """, new { siteId, userId, name, prefix = token[..9], hash = Secrets.Hash(token), widgets = widgets.ToArray(), origins = origins.ToArray(), events = (events ?? []).ToArray() });
        if (id is null) return null;
        return ((await ListAsync(userId, siteId)).Single(t => t.Id == id), token);
    }

    public async Task<IReadOnlyList<WidgetTokenInfo>> ListAsync(Guid userId, long siteId)
    {
        await using var conn = await _db.OpenConnectionAsync();
        return (await conn.QueryAsync<TokenRow>("""
            SELECT t.id AS Id, t.name AS Name, t.prefix AS Prefix, t.widgets AS Widgets,
                   t.allowed_origins AS AllowedOrigins, t.created_at AS CreatedAt, t.events AS Events, t.last_used_at AS LastUsedAt
            FROM widget_tokens t JOIN site_members m ON m.site_id = t.site_id AND m.user_id = @userId
            WHERE t.site_id = @siteId AND t.revoked_at IS NULL
            ORDER BY t.created_at
            """, new { userId, siteId }))
            .Select(r => new WidgetTokenInfo(r.Id, r.Name, r.Prefix, r.Widgets, r.AllowedOrigins, r.CreatedAt, r.Events, r.LastUsedAt)).ToList();
    }

    public async Task<bool> RevokeAsync(Guid userId, long tokenId)
    {
        await using var conn = await _db.OpenConnectionAsync();
        var revoked = await conn.ExecuteAsync("""
            UPDATE widget_tokens t SET revoked_at = now()
            FROM site_members m
            WHERE t.id = @tokenId AND t.revoked_at IS NULL
              AND m.site_id = t.site_id AND m.user_id = @userId AND m.role IN ('owner', 'admin')
            """, new { tokenId, userId }) == 1;
        if (!revoked) return false;
        await ForgetAsync([tokenId]);
        return true;
    }

    /// <summary>Tokens revoked, or whose site was deleted (their rows with it): every node drops their grants and closes their streams.</summary>
    public async Task ForgetAsync(IEnumerable<long> tokenIds)
    {
        foreach (var tokenId in tokenIds)
        {
            Forget(tokenId);
            try { await _redis.GetSubscriber().PublishAsync(_revoked, tokenId); }
            catch (RedisException) { /* other nodes drop the grant when their copy expires */ }
        }
    }

    /// <summary>The grant of a live token; null for anything else (malformed, unknown, revoked).</summary>
    public async ValueTask<WidgetGrant?> AuthenticateAsync(string? token)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 64) return null;
        var key = "widget-token:" + token;
        if (_cache.TryGetValue(key, out WidgetGrant? grant)) return grant;
        await using var conn = await _db.OpenConnectionAsync();
        var row = await conn.QuerySingleOrDefaultAsync<TokenRow>($"""
            SELECT id AS Id, site_id AS SiteId, widgets AS Widgets, allowed_origins AS AllowedOrigins, events AS Events,
                   {LastUse.NotedSql} AS Noted
            FROM widget_tokens WHERE token_hash = @hash AND revoked_at IS NULL
            """, new { hash = Secrets.Hash(token) });
        // Read once a CacheFor per node, so a token thousands of widgets show is noted at most once a minute.
        if (row is { Noted: false }) await LastUse.NoteAsync(conn, "widget_tokens", row.Id);
        grant = row is { } r ? new WidgetGrant(r.Id, r.SiteId, r.Widgets.ToHashSet(), r.AllowedOrigins, r.Events.ToHashSet(StringComparer.Ordinal)) : null;
        using (var entry = _cache.CreateEntry(key))
        {
            entry.Value = grant;
            entry.Size = 1;
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
        }
        if (grant is not null) _cache.Set("widget-token-id:" + grant.TokenId, key, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheFor });
        return grant;
    }

    private void Forget(long tokenId)
    {
        if (_cache.TryGetValue("widget-token-id:" + tokenId, out string? key) && key is not null) _cache.Remove(key);
        Revoked?.Invoke(tokenId);
    }

    // Dapper reads text[] as System.Array, which no record constructor matches: settable properties do.
    private sealed class TokenRow
    {
        public long Id { get; set; }
        public long SiteId { get; set; }
        public string Name { get; set; } = "";
        public string Prefix { get; set; } = "";
        public string[] Widgets { get; set; } = [];
        public string[] AllowedOrigins { get; set; } = [];
        public string[] Events { get; set; } = [];
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset? LastUsedAt { get; set; }
        public bool Noted { get; set; }
    }

}
