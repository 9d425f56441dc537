using LiveAnalytics.Ingestion;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LiveAnalytics.Tests.Ingestion;

/// <summary>Salts rotate at midnight UTC, yet a visit that crosses midnight stays one visitor and one session.</summary>
public sealed class MidnightTests
{
    [Fact]
    public async Task A_visit_across_midnight_keeps_its_visitor_and_session_and_ids_still_rotate_daily()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 20, 23, 59, 0, TimeSpan.Zero));
        await using var app = new ClockedAppFactory(clock);
        var merchant = await app.MerchantAsync();
        var client = app.CreateClient();

        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/before-midnight"))).Dispose();
        clock.Advance(TimeSpan.FromMinutes(2));    // 00:01, a new salt
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/after-midnight"))).Dispose();
        // The node that appended them shows them live from memory, with the visitor the script settled.
        var live = await app.Get<LiveAnalytics.Live.EventHub>().WaitForAsync(merchant.Site.Id, s => s.Feed.Count == 2);
        Assert.Equal(1, live.VisitorsOnline);
        Assert.Single(live.Feed.Select(f => f.VisitorId).Distinct());
        clock.Advance(TimeSpan.FromHours(1));      // 01:01: yesterday's sessions are long over
        (await client.SendAsync(TestData.Pageview(merchant.Site.Domain, "/next-visit"))).Dispose();

        var events = (await app.StreamEventsAsync()).Select(e => e.Event).ToList();
        Assert.Equal(3, events.Count);
        Assert.Equal(events[0].VisitorId, events[1].VisitorId);
        Assert.Equal(events[0].SessionId, events[1].SessionId);
        Assert.NotEqual(events[0].VisitorId, events[2].VisitorId);
        Assert.Equal(events[0].VisitorId, live.Feed[0].VisitorId);


    }

    private sealed class ClockedAppFactory(TimeProvider clock) : AppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton(clock));
        }
    }
}
