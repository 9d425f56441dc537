using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>The history dashboard in Chromium: the period picker, click-to-filter, the URL that carries the view, a funnel, a shared link.</summary>
public sealed class HistoryDashboardBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    [Fact]
    public async Task A_merchant_filters_by_a_click_and_the_url_shares_the_view()
    {
        var (page, _, siteId) = await SignUpWithSiteAsync();
        // Two days ago at noon UTC: inside "last 7 days" in any time zone the form may have chosen.
        var at = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-2).AddHours(12), TimeSpan.Zero);
        // Visitors 1-3 from Google see the home page and then the hats, 4-5 from Bing the home page only.
        var events = Enumerable.Range(1, 5).SelectMany(v => (v <= 3 ? ["/", "/hats"] : (string[])["/"]).Select((path, i) =>
            TestData.Event(siteId, at.AddMinutes(v * 10 + i), v, path) with { Source = v <= 3 ? "Google" : "Bing", Country = "DE" }))
            // Visitors 1 and 2 sign up on the "pro" plan.
            .Concat(Enumerable.Range(1, 2).Select(v => TestData.Event(siteId, at.AddMinutes(v * 10 + 5), v, "/signup", "Signup") with { Props = """{"plan":"pro"}""", Country = "DE" }))
            .ToArray();
        await App.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await App.RollUpAsync(siteId);

        await page.GetByRole(AriaRole.Link, new() { Name = "History" }).ClickAsync();
        await ExpectUrlAsync(page, $"/sites/{siteId}/history");
        await WaitForCircuitAsync(page);
        await page.GetByTestId("period").SelectOptionAsync("7d");
        await ExpectUrlAsync(page, $"/sites/{siteId}/history?period=7d");
        await Expect(page.GetByTestId("metric-visitors")).ToHaveTextAsync("5");

        await page.Locator("[data-testid=top-source] tr[data-value=Google]").ClickAsync();
        await ExpectUrlAsync(page, "/history?period=7d&f=source%3AGoogle");
        await Expect(page.GetByTestId("metric-visitors")).ToHaveTextAsync("3");
        await Expect(page.GetByTestId("filters")).ToContainTextAsync("Source is Google");

        // The URL is the view: a fresh tab opened on it shows the same numbers.
        var shared = await page.Context.NewPageAsync();
        await shared.GotoAsync(page.Url);
        await Expect(shared.GetByTestId("metric-visitors")).ToHaveTextAsync("3");
        await Expect(shared.GetByTestId("period")).ToHaveValueAsync("7d");

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove the Source filter" }).ClickAsync();
        await ExpectUrlAsync(page, "/history?period=7d");
        await Expect(page.GetByTestId("metric-visitors")).ToHaveTextAsync("5");

        // A custom property's value filters the page as well, from the keyboard too: its label is a button.
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter by plan: pro" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await ExpectUrlAsync(page, "/history?period=7d&f=prop%3Aplan%3Apro");
        await Expect(page.GetByTestId("metric-visitors")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("filters")).ToContainTextAsync("plan is pro");
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove the plan filter" }).ClickAsync();
        await ExpectUrlAsync(page, "/history?period=7d");
        await Expect(page.GetByTestId("metric-visitors")).ToHaveTextAsync("5");

        await page.GetByTestId("compare").SelectOptionAsync("previous");
        await ExpectUrlAsync(page, "/history?period=7d&compare=previous");
        await Expect(page.GetByTestId("change-visitors")).ToHaveTextAsync("new");
        await page.GetByTestId("compare").SelectOptionAsync("year");
        await ExpectUrlAsync(page, "/history?period=7d&compare=year");
        var lastYear = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-1).Year;
        await Expect(page.GetByTestId("range")).ToContainTextAsync($" {lastYear}");
        await page.GetByTestId("compare").SelectOptionAsync("previous");
        await ExpectUrlAsync(page, "/history?period=7d&compare=previous");

        // A funnel set on the settings page shows under the lists: 5 visitors home, 3 of them on to the hats.
        await page.GetByRole(AriaRole.Link, new() { Name = "Manage funnels" }).ClickAsync();
        await ExpectUrlAsync(page, $"/sites/{siteId}/settings#funnels");
        await WaitForCircuitAsync(page);
        await page.FillAsync("input[data-testid=funnel-name]", "Hats");
        await page.Locator("input[data-testid=funnel-step-pattern]").Nth(0).FillAsync("/");
        await page.Locator("input[data-testid=funnel-step-pattern]").Nth(1).FillAsync("/hats");
        await page.GetByTestId("funnel-add").ClickAsync();
        await Expect(page.GetByTestId("funnel-list")).ToContainTextAsync("Hats: Visit / → Visit /hats");
        await page.GoBackAsync();
        await Expect(page.Locator("[data-testid=funnel-steps] tr[data-step='2']")).ToContainTextAsync("60%");
        await Expect(page.Locator("[data-testid=funnel-steps] tr[data-step='1']")).ToContainTextAsync("5");

        // A shared link: someone without an account opens the dashboard, read-only.
        await page.GotoAsync($"/sites/{siteId}/settings");
        await WaitForCircuitAsync(page);
        await page.FillAsync("input[data-testid=shared-link-name]", "Our agency");
        await page.GetByTestId("shared-link-create").ClickAsync();
        var link = (await page.GetByTestId("shared-link-url").TextContentAsync())!;
        Assert.Contains("/share/ls_", link);
        var agency = await (await NewContextAsync(new())).NewPageAsync();
        await agency.GotoAsync(link + "?period=7d");
        await Expect(agency.GetByTestId("metric-visitors")).ToHaveTextAsync("5");
        Assert.Equal(0, await agency.GetByTestId("export").CountAsync());
        Assert.Equal(0, await agency.Locator($"a[href*='/sites/{siteId}']").CountAsync());
        await page.GetByTestId("shared-link-revoke").ClickAsync();
        await Expect(page.Locator("[data-link]")).ToHaveCountAsync(0);
        await agency.GotoAsync(link);
        await Expect(agency.GetByTestId("shared-link-gone")).ToBeVisibleAsync();
        await page.GotoAsync($"/sites/{siteId}/history?period=7d&compare=previous");
        if (Environment.GetEnvironmentVariable("LA_SCREENSHOTS") is { Length: > 0 } folder)
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "history.png"), FullPage = true });
    }
}
