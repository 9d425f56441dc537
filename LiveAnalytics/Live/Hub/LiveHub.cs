using System.Globalization;
using LiveAnalytics.Live.Streaming;
using Microsoft.AspNetCore.SignalR;

namespace LiveAnalytics.Live.Hub;

/// <summary>
/// The public SignalR hub (<c>/hubs/live</c>). A connection joins its site's groups on connect:
/// counters for every client (and gets the current ones at once), events for API keys only. Messages reach it from the publishing node
/// through the Redis backplane, whichever node it is connected to. After a reconnect a client calls
/// <see cref="Resync"/> with the last event id it saw and gets what it missed.
/// </summary>
public sealed class LiveHub(EventHub hub, StreamReplay replay, HubListeners listeners) : Hub<ILiveClient>
{
    public const string Path = "/hubs/live";
    private const int MaxResyncEvents = 10_000;

    public static string CountersGroup(long siteId) => $"site:{siteId}:counters";
    public static string EventsGroup(long siteId) => $"site:{siteId}:events";

    private long SiteId => long.Parse(Context.User!.FindFirst(LiveTokenAuthentication.SiteClaim)!.Value, CultureInfo.InvariantCulture);
    private bool SeesEvents => Context.User!.HasClaim(LiveTokenAuthentication.ScopeClaim, LiveTokenAuthentication.EventsScope);

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, CountersGroup(SiteId));
        if (SeesEvents)
        {
            // Marked before joining: the publisher then sends every event read after the mark.
            await listeners.JoinAsync(SiteId);
            await Groups.AddToGroupAsync(Context.ConnectionId, EventsGroup(SiteId));
        }
        // The counters as they are, once joined: the client's start completes at the handshake, before this joins the
        // group, and a change in between would have shown only at the site's next change. A change after the join comes
        // through the group too (twice at most: counters are a state, not a delta).
        await Clients.Caller.Counters(PublicCounters.From(hub.Snapshot(SiteId)));
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (SeesEvents) listeners.Leave(SiteId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>The counters now and, for API keys, the events after <paramref name="lastEventId"/> (within the 30-minute window).</summary>
    public async Task<ResyncResult> Resync(string? lastEventId)
    {
        var counters = PublicCounters.From(hub.Snapshot(SiteId));
        if (!SeesEvents || string.IsNullOrEmpty(lastEventId)) return new ResyncResult(counters, [], false);
        if (!StreamId.TryParse(lastEventId, out var after))
            throw new HubException($"'{(lastEventId.Length > 40 ? lastEventId[..40] : lastEventId)}' is not an event id from this stream (like 1732780800000-0).");
        var missed = new List<PublicEvent>();
        await foreach (var e in replay.AfterAsync(SiteId, after, Context.ConnectionAborted))
        {
            if (missed.Count == MaxResyncEvents) return new ResyncResult(counters, missed, true);
            missed.Add(PublicEvent.From(e));
        }
        return new ResyncResult(counters, missed, false);
    }
}

/// <summary>What the hub calls on its clients.</summary>
public interface ILiveClient
{
    /// <summary>Events in stream order, a batch at a time.</summary>
    Task Events(IReadOnlyList<PublicEvent> events);
    Task Counters(PublicCounters counters);
}

/// <param name="Truncated">More was missed than one resync carries: call again with the last id received.</param>
public sealed record ResyncResult(PublicCounters Counters, IReadOnlyList<PublicEvent> Events, bool Truncated);
