using Bunit;
using LiveAnalytics.Dashboard.Pages;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>The history chart's step: hours, days, weeks or months, as the period allows and the merchant chooses.</summary>
public sealed class HistoryIntervalTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    /// <summary>Visitor 7 on Sunday 4 October (from Google); six on Monday 5 October, three of them from Google.</summary>
    private async Task<Merchant> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        var monday = new DateTimeOffset(2026, 10, 5, 9, 0, 0, TimeSpan.Zero);
        var events = new List<TrackedEvent> { TestData.Event(shop.Site.Id, monday.AddDays(-1).AddHours(3), 7, "/") with { Source = "Google" } };
        for (var v = 1; v <= 6; v++) events.Add(TestData.Event(shop.Site.Id, monday.AddHours(v), v, "/") with { Source = v <= 3 ? "Google" : null });
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        return shop;
    }

    [Fact]
    public async Task The_chart_steps_by_the_week_when_chosen_and_the_url_keeps_it()
    {
        var shop = await ShopAsync();
        await using var ctx = ComponentContext.For(_app, shop.User, [.. ComponentContext.HistoryPage, typeof(LiveAnalytics.Live.EventHub)]);
        ctx.Services.AddSingleton(TimeProvider.System);
        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        var view = $"/sites/{shop.Site.Id}/history?period=custom&from=2026-09-21&to=2026-10-18";   // four weeks, Monday to Sunday
        nav.NavigateTo(view);
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForAssertion(() => Assert.Equal(["Days", "Weeks"], page.FindAll("[data-testid=intervals] button").Select(b => b.TextContent)));
        Assert.Equal("true", page.Find("[data-interval=day]").GetAttribute("aria-pressed"));
        Assert.Equal(28, page.FindAll("circle.chart-point").Count);

        page.On("[data-interval=week]", e => e.Click());
        page.WaitForAssertion(() => Assert.EndsWith(view + "&interval=week", nav.Uri));
        var weekly = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        weekly.WaitForAssertion(() => Assert.Equal(4, weekly.FindAll("circle.chart-point").Count));
        Assert.Equal("true", weekly.Find("[data-interval=week]").GetAttribute("aria-pressed"));
        // Visitor 7 on Sunday 4 October, the six others the Monday after.
        Assert.Equal(["Week of 21 Sep: 0", "Week of 28 Sep: 1", "Week of 5 Oct: 6", "Week of 12 Oct: 0"],
            weekly.FindAll(".chart-column title").Select(t => t.TextContent));
        Assert.Contains("interval=week", weekly.Find("[data-testid=export]").GetAttribute("href"));

        // Filtered, from the table of visits: the same weeks.
        nav.NavigateTo(view + "&interval=week&f=source%3AGoogle");
        var google = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        google.WaitForAssertion(() => Assert.Equal(["Week of 21 Sep: 0", "Week of 28 Sep: 1", "Week of 5 Oct: 3", "Week of 12 Oct: 0"],
            google.FindAll(".chart-column title").Select(t => t.TextContent)));

        // A period too short for weeks charts its own step, the choice kept in the address for a longer one.
        nav.NavigateTo($"/sites/{shop.Site.Id}/history?period=custom&from=2026-10-04&to=2026-10-05&interval=week");
        var short_ = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        short_.WaitForAssertion(() => Assert.Equal(2, short_.FindAll("circle.chart-point").Count));
        Assert.Equal(["Hours", "Days"], short_.FindAll("[data-testid=intervals] button").Select(b => b.TextContent));
        Assert.Equal("true", short_.Find("[data-interval=day]").GetAttribute("aria-pressed"));
    }
}
