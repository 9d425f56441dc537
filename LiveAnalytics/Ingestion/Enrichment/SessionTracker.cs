using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>
/// Sessions: a visitor's events with less than the timeout of inactivity between them share a
/// session id, kept in Redis so every node agrees. Just after midnight the visitor's id under
/// yesterday's salt is tried first, so a visit across midnight stays one visitor and one session.
/// </summary>
public sealed class SessionTracker(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<EnrichmentOptions> options)
{
    // KEYS: yesterday's visitor key (optional), today's. Returns {index of the key used, session id}.
    private const string Script = """
        for i = 1, #KEYS do
          local s = redis.call('GET', KEYS[i])
          if s then
            redis.call('PEXPIRE', KEYS[i], ARGV[2])
            return {i, s}
          end
        end
        redis.call('SET', KEYS[#KEYS], ARGV[1], 'PX', ARGV[2])
        return {#KEYS, ARGV[1]}
        """;

    public TimeSpan Timeout => TimeSpan.FromMinutes(options.Value.SessionTimeoutMinutes);

    /// <returns>The visitor id to record (today's, or yesterday's for a visit across midnight) and the session id.</returns>
    /// <exception cref="StreamUnavailableException">Redis did not answer.</exception>
    public async Task<(long VisitorId, long SessionId)> TrackAsync(long siteId, long visitorId, long? yesterdaysVisitorId)
    {
        RedisKey[] keys = yesterdaysVisitorId is { } y ? [Key(siteId, y), Key(siteId, visitorId)] : [Key(siteId, visitorId)];
        RedisResult result;
        try
        {
            result = await redis.GetDatabase().ScriptEvaluateAsync(Script, keys,
                [Random.Shared.NextInt64(1, long.MaxValue), (long)Timeout.TotalMilliseconds]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StreamUnavailableException(ex);
        }
        var usedYesterday = yesterdaysVisitorId is not null && (long)result[0] == 1;
        return (usedYesterday ? yesterdaysVisitorId!.Value : visitorId, (long)result[1]);
    }

    private RedisKey Key(long siteId, long visitorId) => $"{redisOptions.Value.KeyPrefix}:session:{siteId}:{visitorId}";
}
