using LiveAnalytics.Demo;
using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Tests.Demo;

/// <summary>The simulated shoppers behave like a store's: what the demo's goals, funnel and top pages show must make sense.</summary>
public sealed class DemoTrafficTests
{
    [Fact]
    public void Shoppers_add_to_cart_what_they_look_at_and_buy_at_the_checkout()
    {
        var purchases = 0;
        var funnels = 0;
        var bounces = 0;
        var campaigns = 0;
        for (var n = 0; n < 5_000; n++)
        {
            var shopper = DemoTraffic.Shopper.Arrive();
            var journey = new List<EventPayload>();
            while (!shopper.Done) journey.Add(shopper.NextEvent("demo.example"));

            Assert.Equal(TrackedEvent.Pageview, journey[0].Name);
            if (journey.Count == 1) bounces++;
            Assert.All(journey.Skip(1), e => Assert.Null(e.Referrer));   // only the landing page has one
            // and a campaign link's query, if it came by one: the next pages have none.
            if (journey[0].Url.Query.Contains("utm_medium=")) campaigns++;
            Assert.All(journey.Skip(1).Where(e => e.Name == TrackedEvent.Pageview), e => Assert.Empty(e.Url.Query));
            for (var i = 1; i < journey.Count; i++)
            {
                var e = journey[i];
                if (e.Name == TrackedEvent.Pageview) continue;
                // A custom event is on the page the shopper is looking at: a page's visitors never outnumber its viewers.
                Assert.Equal(journey[i - 1].Url, e.Url);
                if (e.Name == Engagement.EventName)
                {
                    // Reported as the shopper moves on: once a page view, before the next one.
                    Assert.Equal(TrackedEvent.Pageview, journey[i + 1].Name);
                    Assert.Equal(TrackedEvent.Pageview, journey.Take(i).Last(x => x.Name is TrackedEvent.Pageview or Engagement.EventName).Name);
                    Assert.True(e.Engagement is { First: true, EngagedMs: >= 3_000 and <= 150_000, ScrollGain: >= 20 and <= 100 }, $"{e.Engagement}");
                }
                else if (e.Name == "Add to cart")
                {
                    Assert.StartsWith("/products/", e.Url.AbsolutePath);
                    Assert.Equal($$"""{"product":"{{e.Url.AbsolutePath["/products/".Length..]}}"}""", e.Props);
                }
                else
                {
                    Assert.Equal("Purchase", e.Name);
                    Assert.Equal("/checkout", e.Url.AbsolutePath);
                    Assert.Contains(journey.Take(i), x => x.Name == "Add to cart");
                    Assert.Equal("EUR", e.RevenueCurrency);
                    Assert.InRange(e.RevenueAmount!.Value, 19.9m, 139.9m);
                    Assert.Same(e, journey[^1]);   // the purchase ends the visit
                    purchases++;
                }
            }
            Assert.Equal(journey.Count(e => e.Name == TrackedEvent.Pageview) - 1, journey.Count(e => e.Name == Engagement.EventName));
            Assert.All(journey.Where(e => e.Name != Engagement.EventName), e => Assert.Null(e.Engagement));
            var pages = journey.Select(e => (e.Name, e.Url.AbsolutePath)).ToList();
            var added = pages.FindIndex(p => p.Name == "Add to cart");
            if (added >= 0 && pages.FindIndex(added, p => p.AbsolutePath == "/cart") is var cart and >= 0
                && pages.FindIndex(cart, p => p.AbsolutePath == "/checkout") >= 0) funnels++;
        }
        // Enough of them get through for the demo's funnel and revenue to show something (about 13 % and 10 % of visits,
        // a third of which leave at once: a demo, not a benchmark of stores).
        Assert.InRange(funnels, 450, 850);
        Assert.InRange(purchases, 350, 700);
        Assert.InRange(bounces, 1_450, 1_850);
        Assert.InRange(campaigns, 1_450, 1_850);   // a third
    }
}
