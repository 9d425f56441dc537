using System.IO.Compression;
using Bunit;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Dashboard.Pages;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>The history page compared with the same weekdays a year (or weeks) before, or with days of the merchant's choosing.</summary>
public sealed class ComparisonsDashboardTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private const string BlackFriday = "period=custom&from=2026-11-27&to=2026-11-27";

    /// <summary>Black Friday 2026 (the 27th): 6 visitors. Thursday 27 November 2025: 2; Black Friday 2025 (the 28th): 4;
    /// Friday 20 November 2026: 3.</summary>
    private async Task<Merchant> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        var visitor = 0;
        var events = new List<TrackedEvent>();
        foreach (var (day, count) in new[] { (new DateOnly(2026, 11, 27), 6), (new DateOnly(2025, 11, 27), 2), (new DateOnly(2025, 11, 28), 4), (new DateOnly(2026, 11, 20), 3) })
        {
            for (var i = 0; i < count; i++)
                events.Add(TestData.Event(shop.Site.Id, new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero).AddMinutes(++visitor), visitor));
        }
        await _app.Get<EventWriter>().WriteAsync([.. events], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        return shop;
    }

    [Fact]
    public async Task Black_friday_against_last_years_and_against_days_picked()
    {
        var shop = await ShopAsync();
        await using var ctx = ComponentContext.For(_app, null, [.. ComponentContext.HistoryPage, typeof(LiveAnalytics.Live.EventHub)]);
        ctx.Services.AddSingleton(TimeProvider.System);
        ctx.SignIn(shop.User);
        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        var history = $"/sites/{shop.Site.Id}/history";

        // A year before: the same date, a Thursday.
        nav.NavigateTo($"{history}?{BlackFriday}&compare=year");
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForAssertion(() => Assert.Equal("↑ 200%", page.Find("[data-testid=change-visitors]").TextContent));
        Assert.Contains("27 Nov 2026 vs 27 Nov 2025", page.Find("[data-testid=range]").TextContent);
        Assert.False(page.Find("[data-testid=match-weekday]").HasAttribute("checked"));
        // (Each action waits for its element and acts in one turn of the renderer: the page's cards render as their reads end.)
        page.On("[data-testid=match-weekday]", e => e.Change(true));
        page.WaitForAssertion(() => Assert.EndsWith($"{history}?{BlackFriday}&compare=year&match_day_of_week=true", nav.Uri));

        // The same weekday: last year's Black Friday.
        var fridays = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        fridays.WaitForAssertion(() => Assert.Equal("↑ 50%", fridays.Find("[data-testid=change-visitors]").TextContent));
        Assert.Contains("27 Nov 2026 vs 28 Nov 2025", fridays.Find("[data-testid=range]").TextContent);
        Assert.True(fridays.Find("[data-testid=match-weekday]").HasAttribute("checked"));
        Assert.Contains("compare=year&match_day_of_week=true", fridays.Find("[data-testid=export]").GetAttribute("href"));

        // Other days: picked, starting from the days compared now, and applied.
        fridays.On("[data-testid=compare]", e => e.Change("custom"));
        fridays.WaitForAssertion(() => Assert.Equal("2025-11-28", fridays.Find("[data-testid=compare-from]").GetAttribute("value")));
        Assert.Empty(fridays.FindAll("[data-testid=match-weekday]"));
        fridays.On("[data-testid=compare-from]", e => e.Change(""));
        fridays.On("[data-testid=compare-apply]", e => e.Click());
        fridays.WaitForAssertion(() => Assert.Equal("Choose both days to compare with.", fridays.Find("[data-testid=compare-error]").TextContent));
        Assert.EndsWith("&compare=year&match_day_of_week=true", nav.Uri);   // nothing applied
        fridays.On("[data-testid=compare-from]", e => e.Change("2026-11-20"));
        fridays.On("[data-testid=compare-to]", e => e.Change("2026-11-20"));
        fridays.On("[data-testid=compare-apply]", e => e.Click());
        fridays.WaitForAssertion(() => Assert.EndsWith($"{history}?{BlackFriday}&compare=custom&compare_from=2026-11-20&compare_to=2026-11-20", nav.Uri));
        var picked = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        picked.WaitForAssertion(() => Assert.Equal("↑ 100%", picked.Find("[data-testid=change-visitors]").TextContent));
        Assert.Contains("27 Nov 2026 vs 20 Nov 2026", picked.Find("[data-testid=range]").TextContent);
        picked.WaitForAssertion(() => Assert.Equal("2026-11-20", picked.Find("[data-testid=compare-from]").GetAttribute("value")));

        // The export carries the days compared.
        var (status, body) = await Exports.RunAsync(_app, shop.Site.Id, shop.User.Id, $"?{BlackFriday}&compare=custom&compare_from=2026-11-20&compare_to=2026-11-20");
        Assert.Equal(200, status);
        using var zip = new ZipArchive(new MemoryStream(body));
        Assert.Contains("visitors,6,3", Exports.Read(zip, "totals.csv"));
        (status, _) = await Exports.RunAsync(_app, shop.Site.Id, shop.User.Id, $"?{BlackFriday}&compare=custom&compare_from=2026-11-20");
        Assert.Equal(400, status);
    }
}
