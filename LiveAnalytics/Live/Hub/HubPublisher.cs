using System.Collections.Concurrent;
using System.Threading.Channels;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Live.Streaming;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Live.Hub;

/// <summary>
/// Hands the live stream to the public hub. Every node sees every event, but through the Redis
/// backplane a send to a group reaches the group's clients on all nodes, so exactly one node may
/// send: the holder of a short Redis lease, renewed while it lives and taken over by another node
/// when it dies. It sends each site's events in stream order, in batches, and its counters at most
/// a few times a second. A client that missed something during a takeover resynchronises.
/// </summary>
public sealed partial class HubPublisher(
    EventHub hub, IHubContext<LiveHub, ILiveClient> hubContext, HubListeners listeners, IConnectionMultiplexer redis, NodeIdentity node,
    IOptions<RedisOptions> redisOptions, TimeProvider time, ILogger<HubPublisher> logger) : BackgroundService
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan Renew = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CountersInterval = TimeSpan.FromMilliseconds(250);
    // Events per send: the backplane serialises each message into one array, and at ~450 bytes an
    // event more than ~180 would put every send on the large object heap (a full collection each few).
    private const int MaxBatch = 64;

    // Takes the lease if free, renews it if ours; returns 1 while we hold it.
    private const string LeaseScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder == false or holder == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return 0
        """;

    private readonly Channel<(long Site, LiveEvent? Event)> _queue = Channel.CreateBounded<(long, LiveEvent?)>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ConcurrentDictionary<long, DateTimeOffset> _countersSent = new();
    private volatile bool _leader;
    private int _wakeUpScheduled;
    private long _leaderSince = long.MaxValue;

    private long _sent, _skipped;

    public bool IsPublisher => _leader;

    /// <summary>Events sent to the hub's clients, and events left out because their site had no listener.</summary>
    public (long Sent, long Skipped) Events => (Interlocked.Read(ref _sent), Interlocked.Read(ref _skipped));

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        using var tap = hub.SubscribeAll((site, e) =>
        {
            if (!_leader) return;
            // Events only from what arrived since this node took the lease: a node that starts replays the last
            // 30 minutes into its hub, and those events went out long ago (or are for Resync). An older one read now
            // (in the stream before the takeover, read after it) still changes the counters, which go out.
            var fresh = e is null || !StreamId.TryParse(e.StreamId, out var id) || id.Milliseconds >= Volatile.Read(ref _leaderSince);
            _queue.Writer.TryWrite((site, fresh ? e : null));
        });
        var leaseLoop = HoldLeaseAsync(ct);
        await PublishAsync(ct);
        await leaseLoop;
    }

    private async Task HoldLeaseAsync(CancellationToken ct)
    {
        var key = (RedisKey)$"{redisOptions.Value.KeyPrefix}:hub-publisher";
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var held = (int)await redis.GetDatabase().ScriptEvaluateAsync(LeaseScript, [key], [node.Id, (long)Lease.TotalMilliseconds]) == 1;
                var gained = held && !_leader;
                if (held != _leader)
                {
                    LogLeadership(held, node.Id);
                    if (held) Volatile.Write(ref _leaderSince, time.GetUtcNow().ToUnixTimeMilliseconds());
                }
                _leader = held;
                // Whatever changed while no node (or another) published may not have reached the clients: a quiet
                // site's widgets would show it until its next event. Every site's counters go out once.
                if (gained)
                    foreach (var site in hub.SiteIds) _queue.Writer.TryWrite((site, null));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _leader = false;   // cannot prove we hold it: stop, another node may take over
            }
            try { await Task.Delay(Renew, time, ct); } catch (OperationCanceledException) { }
        }
        if (_leader)
        {
            // Hand over at once instead of after the lease runs out.
            try { await redis.GetDatabase().ScriptEvaluateAsync("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end", [key], [node.Id]); }
            catch (Exception ex) when (ex is RedisException or TimeoutException) { }
        }
    }

    private async Task PublishAsync(CancellationToken ct)
    {
        var batches = new Dictionary<long, List<LiveEvent>>();
        var dirty = new HashSet<long>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(ct))
            {
                // The bound is checked before reading, so no item is taken and then left behind.
                var taken = 0;
                while (taken < MaxBatch && _queue.Reader.TryRead(out var item))
                {
                    dirty.Add(item.Site);
                    if (item.Event is not { } e) continue;
                    if (!batches.TryGetValue(item.Site, out var batch)) batches[item.Site] = batch = [];
                    batch.Add(e);
                    taken++;
                }
                var listened = batches.Count == 0 ? [] : await listeners.ListenedAsync(batches.Keys);
                foreach (var (site, events) in batches)
                {
                    if (!listened.Contains(site))
                    {
                        Interlocked.Add(ref _skipped, events.Count);
                        continue;
                    }
                    var sent = events.ConvertAll(PublicEvent.From);
                    await Send(() => hubContext.Clients.Group(LiveHub.EventsGroup(site)).Events(sent));
                    Interlocked.Add(ref _sent, sent.Count);
                }
                batches.Clear();
                await SendCountersAsync(dirty, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    // Counters go out at most every CountersInterval per site; a change inside it is sent when it ends.
    private async Task SendCountersAsync(HashSet<long> dirty, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var later = TimeSpan.MaxValue;
        long waiting = 0;
        foreach (var site in dirty.ToArray())
        {
            var wait = _countersSent.GetValueOrDefault(site) + CountersInterval - now;
            if (wait > TimeSpan.Zero)
            {
                if (wait < later) (later, waiting) = (wait, site);
                continue;
            }
            _countersSent[site] = now;
            dirty.Remove(site);
            var counters = PublicCounters.From(hub.Snapshot(site));
            await Send(() => hubContext.Clients.Group(LiveHub.CountersGroup(site)).Counters(counters));
        }
        // One wake-up at a time: it brings the loop back to send whatever is still dirty.
        if (later != TimeSpan.MaxValue && Interlocked.Exchange(ref _wakeUpScheduled, 1) == 0)
            _ = Task.Delay(later, time, ct).ContinueWith(_ =>
            {
                Volatile.Write(ref _wakeUpScheduled, 0);
                _queue.Writer.TryWrite((waiting, null));
            }, TaskScheduler.Default);
    }

    private async Task Send(Func<Task> send)
    {
        try { await send(); }
        catch (Exception ex) when (ex is RedisException or TimeoutException) { LogSendFailed(ex); }
    }

    [LoggerMessage(LogLevel.Information, "Hub publisher lease held: {Held} (node {Node})")]
    private partial void LogLeadership(bool held, string node);

    [LoggerMessage(LogLevel.Warning, "Sending to the hub backplane failed; clients resynchronise")]
    private partial void LogSendFailed(Exception ex);
}
