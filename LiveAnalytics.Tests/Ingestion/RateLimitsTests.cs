using System.Diagnostics;
using LiveAnalytics.Ingestion;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class RateLimitsTests
{
    // The buckets are refilled by the partitioned limiter's heartbeat, not by a timer of their own: if nothing
    // refilled them, an emptied bucket would refuse for ever. The limiter reads the real clock, so this waits.
    [Fact]
    public async Task Emptied_buckets_refill_at_their_rate_for_clients_and_sites()
    {
        using var limits = new RateLimits(Options.Create(new IngestionOptions { PerIpPerSecond = 2, PerSitePerSecond = 3 }));
        Assert.Equal(4, Enumerable.Range(0, 10).Count(_ => limits.AllowClient("203.0.113.7")));   // a burst of two seconds' worth
        Assert.Equal(6, Enumerable.Range(0, 10).Count(_ => limits.AllowSite(42)));
        Assert.True(limits.AllowClient("203.0.113.8"));   // another client has a bucket of its own

        // Until both have been refilled at least once, and for at least 1.5 s. The heartbeat runs on the thread
        // pool, which other tests running in parallel may keep busy: hence the generous limit.
        var (client, site) = (0, 0);
        var clock = Stopwatch.StartNew();
        while ((client == 0 || site == 0 || clock.Elapsed < TimeSpan.FromSeconds(1.5)) && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            while (limits.AllowClient("203.0.113.7")) client++;
            while (limits.AllowSite(42)) site++;
            await Task.Delay(20);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        Assert.InRange(client, 1, (int)(2 * seconds) + 1);
        Assert.InRange(site, 1, (int)(3 * seconds) + 1);
    }
}
