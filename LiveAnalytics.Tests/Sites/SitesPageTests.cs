using Bunit;
using Microsoft.Extensions.DependencyInjection;
using LiveAnalytics.Live;
using LiveAnalytics.Persistence;
using LiveAnalytics.Sites;
using LiveAnalytics.Sites.Pages;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Sites;

/// <summary>The sites list: each of the merchant's sites with its visitors online (pushed) and its day so far.</summary>
public sealed class SitesPageTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public async Task Each_site_shows_its_visitors_online_as_they_come_and_its_day_so_far()
    {
        var shop = await _app.MerchantAsync();
        var second = (await _app.Get<SiteRepository>().CreateAsync(shop.User.Id, new NewSite { Domain = TestData.UniqueDomain(), Name = "Outlet", Timezone = "UTC" }))!;
        var third = (await _app.Get<SiteRepository>().CreateAsync(shop.User.Id, new NewSite { Domain = TestData.UniqueDomain(), Name = "Market", Timezone = "UTC" }))!;
        Assert.Null(await _app.Get<RevenueCurrency>().SetAsync(shop.Site, shop.User.Id, "EUR"));
        if (DateTimeOffset.UtcNow.TimeOfDay < TimeSpan.FromSeconds(10)) await Task.Delay(TimeSpan.FromSeconds(10));   // all of it on one UTC day
        var now = DateTimeOffset.UtcNow;
        // Today (UTC) so far: two visitors, three pageviews and a sale in EUR on the first site; nothing on the second; a
        // sale on the third, which has no revenue currency.
        await _app.Get<EventWriter>().WriteAsync(
            [TestData.Event(shop.Site.Id, now.AddSeconds(-3), 1, "/"), TestData.Event(shop.Site.Id, now.AddSeconds(-2), 1, "/hats"), TestData.Event(shop.Site.Id, now.AddSeconds(-1), 2, "/"),
             TestData.Event(shop.Site.Id, now.AddSeconds(-1), 2, "/checkout", "Purchase") with { RevenueAmount = 1249.5m, RevenueCurrency = "EUR" },
             TestData.Event(third.Id, now.AddSeconds(-1), 3, "/checkout", "Purchase") with { RevenueAmount = 10m, RevenueCurrency = "USD" }],
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        await _app.RollUpAsync(third.Id);

        await using var ctx = ComponentContext.For(_app, shop.User, typeof(SiteRepository), typeof(RollupQueries), typeof(RevenueCurrency), typeof(EventHub), typeof(TimeProvider));
        var page = ctx.Render<SitesPage>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll(".site-overview").Count));
        var first = $"[data-site='{shop.Site.Id}']";
        page.WaitForAssertion(() => Assert.Equal("Today: 2 visitors · 3 pageviews · 1,249.50 EUR", page.Find($"{first} [data-testid=site-today]").TextContent.Trim()));
        // Each card reads its own day: the second may come after the first.
        page.WaitForAssertion(() => Assert.Equal("Today: 0 visitors · 0 pageviews", page.Find($"[data-site='{second.Id}'] [data-testid=site-today]").TextContent.Trim()));
        page.WaitForAssertion(() => Assert.Equal("Today: 1 visitor · 0 pageviews · 10.00 revenue", page.Find($"[data-site='{third.Id}'] [data-testid=site-today]").TextContent.Trim()));
        Assert.Equal("0 online", page.Find($"{first} [data-testid=site-online]").TextContent.Trim());

        // A visitor arrives: the card shows them without a reload.
        using var beacon = await _app.CreateClient().SendAsync(TestData.Pageview(shop.Site.Domain, "/live"));
        page.WaitForAssertion(() => Assert.Equal("1 online", page.Find($"{first} [data-testid=site-online]").TextContent.Trim()), TimeSpan.FromSeconds(10));
        Assert.Equal("0 online", page.Find($"[data-site='{second.Id}'] [data-testid=site-online]").TextContent.Trim());
        Assert.Contains($"/sites/{second.Id}/history", page.Markup);
    }

    [Fact]
    public async Task A_sites_day_so_far_is_read_again_after_its_events_arrive()
    {
        var shop = await _app.MerchantAsync();
        var evening = new DateTimeOffset(2026, 10, 7, 18, 0, 0, TimeSpan.Zero);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(evening);
        using var hub = new EventHub(clock);
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(shop.Site.Id, evening.AddHours(-1), 1, "/")], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(SiteRepository), typeof(RollupQueries), typeof(RevenueCurrency));
        ctx.Services.AddSingleton<TimeProvider>(clock);
        ctx.Services.AddSingleton(hub);
        var page = ctx.Render<SitesPage>();
        var today = $"[data-site='{shop.Site.Id}'] [data-testid=site-today]";
        page.WaitForAssertion(() => Assert.Equal("Today: 1 visitor · 1 pageview", page.Find(today).TextContent.Trim()));

        var arrived = TestData.Event(shop.Site.Id, evening.AddMinutes(-1), 2, "/hats");
        await _app.Get<EventWriter>().WriteAsync([arrived], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        hub.Publish(new LiveEvent("", arrived with { Timestamp = clock.GetUtcNow() }));
        clock.Advance(LiveAnalytics.Dashboard.RollupRefresh.Unfiltered);
        page.WaitForAssertion(() => Assert.Equal("Today: 2 visitors · 2 pageviews", page.Find(today).TextContent.Trim()));
    }

    [Fact]
    public async Task Each_site_draws_its_last_24_local_hours_of_visitors()
    {
        var shop = await _app.MerchantAsync();   // UTC
        var india = (await _app.Get<SiteRepository>().CreateAsync(shop.User.Id, new NewSite { Domain = TestData.UniqueDomain(), Name = "Mumbai", Timezone = "Asia/Kolkata" }))!;
        var now = new DateTimeOffset(2026, 10, 7, 18, 5, 0, TimeSpan.Zero);   // 23:35 in Kolkata
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now);
        using var hub = new EventHub(clock);
        var earlier = new DateTimeOffset(2026, 10, 7, 12, 40, 0, TimeSpan.Zero);   // 18:10 in Kolkata
        await _app.Get<EventWriter>().WriteAsync(
            [TestData.Event(shop.Site.Id, now.AddHours(-25), 1, "/"),             // before the 24 hours
             TestData.Event(shop.Site.Id, now.AddHours(-23), 2, "/"),             // their first, 19:00 the day before
             TestData.Event(shop.Site.Id, earlier, 3, "/"), TestData.Event(shop.Site.Id, earlier.AddMinutes(5), 4, "/"), TestData.Event(shop.Site.Id, earlier.AddMinutes(9), 3, "/hats"),
             TestData.Event(shop.Site.Id, now.AddMinutes(-1), 5, "/"),            // this hour, the last
             TestData.Event(india.Id, earlier, 6, "/")],
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        await _app.RollUpAsync(india.Id);
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(SiteRepository), typeof(RollupQueries), typeof(RevenueCurrency));
        ctx.Services.AddSingleton<TimeProvider>(clock);
        ctx.Services.AddSingleton(hub);

        var page = ctx.Render<SitesPage>();

        long[] Expected(params (int Hour, long Visitors)[] hours) => [.. Enumerable.Range(0, 24).Select(h => hours.FirstOrDefault(x => x.Hour == h).Visitors)];
        SiteOverview Card(long siteId) => page.FindComponents<SiteOverview>().Single(c => c.Instance.Site.Id == siteId).Instance;
        page.WaitForAssertion(() => Assert.Equal(Expected((0, 1), (17, 2), (23, 1)), Card(shop.Site.Id).Hours));
        // Kolkata's hours are its own: 18:10 there is five hours before 23:35.
        Assert.Equal(Expected((18, 1)), Card(india.Id).Hours);
        Assert.Equal("Visitors per hour over the last 24 hours: 2 in the busiest, 1 in this one",
            page.Find($"[data-site='{shop.Site.Id}'] [data-testid=site-hours]").GetAttribute("aria-label"));
    }

    [Fact]
    public void The_hours_line_runs_from_the_first_to_this_one_against_the_busiest()
    {
        long[] hours = [.. Enumerable.Range(0, 24).Select(h => h == 0 ? 4L : h == 23 ? 2L : 0L)];
        var points = SiteOverview.Spark(hours, 4).Split(' ');
        Assert.Equal(24, points.Length);
        Assert.Equal("0,2", points[0]);          // the busiest at the top
        Assert.Equal("10,30", points[1]);        // none at the bottom
        Assert.Equal("230,16", points[23]);      // half the busiest, half way, at the right end
        Assert.Equal(new DateTime(2026, 10, 6, 19, 0, 0), SitesPage.LastHours(new DateTime(2026, 10, 7, 18, 5, 0)));
        Assert.Equal(new DateTime(2026, 10, 6, 1, 0, 0), SitesPage.LastHours(new DateTime(2026, 10, 7, 0, 0, 0)));
    }
}
