using System.Collections.Concurrent;
using LiveAnalytics.Live;
using LiveAnalytics.Live.Streaming;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Widgets;

/// <summary>
/// Fan-out for widget viewers, built so that thousands of iframes cost little: one hub subscription
/// per site (not per viewer), updates coalesced within a frame budget, each widget's frame built once
/// per update and shared by every viewer of it, and viewers woken by one shared pulse.
/// </summary>
public sealed class WidgetHub : IDisposable
{
    private readonly ConcurrentDictionary<long, SiteChannel> _sites = new();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _tokens = new();
    private readonly EventHub _hub;
    private readonly TimeProvider _time;
    private readonly StreamOptions _options;
    private readonly WidgetTokens _widgetTokens;

    public WidgetHub(EventHub hub, TimeProvider time, IOptions<StreamOptions> options, WidgetTokens tokens)
    {
        (_hub, _time, _options, _widgetTokens) = (hub, time, options.Value, tokens);
        _widgetTokens.Revoked += OnRevoked;
    }

    public int Viewers => _sites.Values.Sum(s => s.Viewers);

    /// <summary>Joins the site's channel; dispose the lease to leave it.</summary>
    public SiteChannel.Lease Join(long siteId)
    {
        while (true)
        {
            var channel = _sites.GetOrAdd(siteId, id => new SiteChannel(id, _hub, _time, _options, this));
            if (channel.TryJoin()) return new SiteChannel.Lease(channel);
            _sites.TryRemove(new KeyValuePair<long, SiteChannel>(siteId, channel));   // closing: take a fresh one
        }
    }

    /// <summary>Cancelled when the token is revoked on any node.</summary>
    public CancellationToken RevocationOf(long tokenId) => _tokens.GetOrAdd(tokenId, _ => new CancellationTokenSource()).Token;

    internal void Closed(SiteChannel channel) => _sites.TryRemove(new KeyValuePair<long, SiteChannel>(channel.SiteId, channel));

    private void OnRevoked(long tokenId)
    {
        if (_tokens.TryRemove(tokenId, out var cts)) cts.Cancel();
    }

    public void Dispose()
    {
        _widgetTokens.Revoked -= OnRevoked;
        foreach (var s in _sites.Values) s.Close();
    }
}

/// <summary>One site's widget updates: a version, a pulse per update or heartbeat, and the shared JSON.</summary>
public sealed class SiteChannel
{
    private readonly EventHub _hub;
    private readonly WidgetHub _owner;
    private readonly IDisposable _subscription;
    private readonly RenderCoalescer _coalescer;
    private readonly ITimer _heartbeat;
    private readonly ConcurrentDictionary<(string Kind, string? Subject), byte[]> _payloads = new();
    private readonly object _gate = new();
    private TaskCompletionSource _pulse = NewPulse();
    private int _viewers;
    private bool _closed;

    internal SiteChannel(long siteId, EventHub hub, TimeProvider time, StreamOptions options, WidgetHub owner)
    {
        (SiteId, _hub, _owner) = (siteId, hub, owner);
        // The more viewers, the fewer updates: the site's fan-out stays within its frame budget.
        _coalescer = new RenderCoalescer(time, () => TimeSpan.FromSeconds(
            Math.Max(1.0 / options.WidgetUpdatesPerSecond, Viewers / (double)options.WidgetFramesPerSecond)), Update);
        _subscription = hub.Subscribe(siteId, _ => _coalescer.Request());
        var beat = TimeSpan.FromSeconds(options.HeartbeatSeconds);
        _heartbeat = time.CreateTimer(_ => Beat(), null, beat, beat);
    }

    public long SiteId { get; }
    public int Viewers => Volatile.Read(ref _viewers);
    /// <summary>Grows with each update of the site's numbers.</summary>
    public long Version { get; private set; }
    /// <summary>Grows with each heartbeat: viewers with nothing new send a comment then.</summary>
    public long Heartbeats { get; private set; }

    /// <summary>Completes at the next update or heartbeat; take it before reading the payload.</summary>
    public Task Pulse { get { lock (_gate) return _pulse.Task; } }

    /// <summary>
    /// The widget's whole SSE frame as of the current version, built once for all its viewers: a
    /// viewer's share of an update is one write of these bytes.
    /// </summary>
    public byte[] Frame(string kind, string? subject) => _payloads.GetOrAdd((kind, subject), k =>
        SseWriter.FrameBytes("update", WidgetState.Now(_hub, SiteId, k.Kind, k.Subject).ToJson()));

    private Task Update()
    {
        lock (_gate)
        {
            Version++;
            _payloads.Clear();
            Fire();
        }
        return Task.CompletedTask;
    }

    private void Beat()
    {
        lock (_gate)
        {
            Heartbeats++;
            Fire();
        }
    }

    private void Fire()
    {
        var pulse = _pulse;
        _pulse = NewPulse();
        pulse.TrySetResult();
    }

    internal bool TryJoin()
    {
        lock (_gate)
        {
            if (_closed) return false;
            _viewers++;
            return true;
        }
    }

    private void Leave()
    {
        lock (_gate)
        {
            if (--_viewers > 0) return;
            _closed = true;
        }
        Close();
        _owner.Closed(this);
    }

    internal void Close()
    {
        _subscription.Dispose();
        _coalescer.Dispose();
        _heartbeat.Dispose();
        lock (_gate) _pulse.TrySetResult();
    }

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public sealed class Lease(SiteChannel channel) : IDisposable
    {
        private int _left;
        public SiteChannel Channel => channel;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) channel.Leave();
        }
    }
}
