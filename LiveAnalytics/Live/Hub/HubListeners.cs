using System.Collections.Concurrent;
using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Live.Hub;

/// <summary>
/// Which sites have an event listener on the hub, on any node, so that the publisher serialises
/// events only for them (most sites have none, and a send costs a JSON message and a Redis publish).
/// A connection marks its site in Redis before it joins the events group, and its node keeps the
/// mark alive while it stays. The publisher asks after it has read an event: if the mark was not
/// there yet, the event was in the stream before the listener subscribed, so the listener had not
/// missed it (a reconnecting one gets it from Resync). A mark outlives its last listener by up to
/// a minute, which only costs sends nobody gets.
/// </summary>
public sealed class HubListeners(IConnectionMultiplexer redis, IOptions<RedisOptions> options, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan MarkFor = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);
    // A yes is reused this long; a no never is (it must be asked after each event read).
    private static readonly TimeSpan TrustYesFor = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<long, int> _here = new();
    private readonly ConcurrentDictionary<long, DateTimeOffset> _listened = new();

    private RedisKey Mark(long site) => $"{options.Value.KeyPrefix}:hub-listened:{site}";

    /// <summary>Before the connection joins the site's events group.</summary>
    public async Task JoinAsync(long site)
    {
        _here.AddOrUpdate(site, 1, (_, n) => n + 1);
        try { await redis.GetDatabase().StringSetAsync(Mark(site), 1, MarkFor); }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis is away: so is the backplane; the client reconnects and resynchronises.
        }
    }

    public void Leave(long site)
    {
        if (_here.AddOrUpdate(site, 0, (_, n) => n - 1) <= 0) _here.TryRemove(site, out _);
    }

    /// <summary>The sites among these that someone listens to; all of them if Redis cannot tell.</summary>
    public async Task<HashSet<long>> ListenedAsync(ICollection<long> sites)
    {
        var now = time.GetUtcNow();
        var listened = new HashSet<long>();
        var ask = new List<long>();
        foreach (var site in sites)
        {
            if (_listened.TryGetValue(site, out var at) && now - at < TrustYesFor) listened.Add(site);
            else ask.Add(site);
        }
        if (ask.Count == 0) return listened;
        try
        {
            var marks = await redis.GetDatabase().StringGetAsync(ask.Select(Mark).ToArray());
            for (var i = 0; i < ask.Count; i++)
            {
                if (marks[i].IsNull) continue;
                _listened[ask[i]] = now;
                listened.Add(ask[i]);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            listened.UnionWith(ask);   // sending to nobody is harmless; skipping a listener is not
        }
        return listened;
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await Task.Delay(RenewEvery, time, ct); } catch (OperationCanceledException) { return; }
            var db = redis.GetDatabase();
            try { await Task.WhenAll(_here.Keys.Select(site => db.StringSetAsync(Mark(site), 1, MarkFor))); }
            catch (Exception e) when (e is RedisException or TimeoutException) { }
        }
    }
}
