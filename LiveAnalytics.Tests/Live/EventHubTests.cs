using LiveAnalytics.Live;
using Microsoft.Extensions.Time.Testing;

namespace LiveAnalytics.Tests.Live;

public sealed class EventHubTests
{
    [Fact]
    public void A_resent_event_reaches_no_subscriber_again()
    {
        var at = DateTimeOffset.UtcNow;
        using var hub = new EventHub(new FakeTimeProvider(at));
        var (told, tapped) = (new List<LiveEvent?>(), new List<LiveEvent?>());
        using var subscription = hub.Subscribe(7, told.Add);
        using var tap = hub.SubscribeAll((_, e) => tapped.Add(e));
        var cart = SiteLiveStateTests.Event(at, visitor: 1, path: "/cart") with { SiteId = 7 };
        var checkout = SiteLiveStateTests.Event(at.AddSeconds(5), visitor: 1, path: "/checkout") with { SiteId = 7 };

        hub.Publish([new LiveEvent("1-0", cart), new LiveEvent("2-0", checkout)]);
        // The tracker's resend of the cart's beacon, in a batch with another visitor's event.
        var other = SiteLiveStateTests.Event(at.AddSeconds(6), visitor: 2, path: "/") with { SiteId = 7 };
        hub.Publish([new LiveEvent("3-0", cart with { Timestamp = at.AddSeconds(6) }), new LiveEvent("3-1", other)]);

        Assert.Equal(["1-0", "2-0", "3-1"], told.Select(e => e!.StreamId));
        Assert.Equal(["1-0", "2-0", "3-1"], tapped.Select(e => e!.StreamId));
        Assert.Equal(3, hub.Snapshot(7).Feed.Count);
    }
}
