using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>Merchants watch their visitors from a phone too: no page is wider than its screen (nothing to scroll sideways).</summary>
public sealed class PhoneLayoutBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    [Fact]
    public async Task Every_page_of_a_site_fits_a_phones_width()
    {
        var (page, domain, siteId) = await SignUpWithSiteAsync();
        await WriteSalesAsync(siteId);
        // A feed row with a long page, a long source and a custom event's properties.
        using (var client = App.CreateClient())
            (await client.SendAsync(TestData.Beacon($$$"""{"n":"Add to cart","u":"https://{{{domain}}}/collections/summer-sale-2026/linen-shirts","d":"{{{domain}}}","r":"https://news.ycombinator.com/","p":{"product":"linen shirt"}}"""))).EnsureSuccessStatusCode();
        await page.SetViewportSizeAsync(390, 844);
        foreach (var path in new[] { $"/sites/{siteId}", $"/sites/{siteId}/history", $"/sites/{siteId}/settings", $"/sites/{siteId}/widgets",
                                     "/sites", "/settings/api-keys", "/account" })
        {
            await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);
            var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
            Assert.True(widths[0] <= widths[1], $"{path} is {widths[0]} px wide on a {widths[1]} px screen");
            if (path == $"/sites/{siteId}/history") await NoNumberCutAsync(page);
            if (path != $"/sites/{siteId}") continue;
            // The app bar's links show whole (none squeezed to a letter or two by the others).
            var cut = await page.EvaluateAsync<string[]>(
                "() => [...document.querySelectorAll('.mud-appbar .nav-link')].filter(a => a.offsetParent && a.scrollWidth > a.clientWidth).map(a => a.textContent)");
            Assert.True(cut.Length == 0, $"cut in the app bar: {string.Join(", ", cut)}");
            // The live feed keeps what fits its card (its table would otherwise scroll sideways inside it).
            await page.GetByTestId("live-feed").Locator("tbody tr").First.WaitForAsync();
            var feed = await page.EvaluateAsync<int[]>("() => { const t = document.querySelector('[data-testid=live-feed]'); return [t.scrollWidth, t.closest('.mud-table-container').clientWidth]; }");
            Assert.True(feed[0] <= feed[1], $"the live feed is {feed[0]} px wide in a {feed[1]} px card");
        }
    }

    [Fact]
    public async Task The_history_shows_every_number_whole_on_a_desktop()
    {
        var (page, _, siteId) = await SignUpWithSiteAsync();
        await WriteSalesAsync(siteId);
        await page.SetViewportSizeAsync(1300, 900);   // two cards a row: the custom events list has five columns in half of it
        await page.GotoAsync($"/sites/{siteId}/history");
        await NoNumberCutAsync(page);
    }

    // A day of big sales: the custom events list shows revenue in a fifth column.
    private async Task WriteSalesAsync(long siteId)
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        await App.Get<EventWriter>().WriteAsync([
            TestData.Event(siteId, at, 1, "/collections/summer-sale-2026/linen-shirts"),
            TestData.Event(siteId, at.AddSeconds(5), 1, "/checkout", "Purchase") with { RevenueAmount = 123_456.78m, RevenueCurrency = "EUR" },
        ], mayBeRedelivered: false, CancellationToken.None);
        await App.RollUpAsync(siteId);
    }

    private static async Task NoNumberCutAsync(Microsoft.Playwright.IPage page)
    {
        await page.GetByText("123,456.78").First.WaitForAsync();
        var cut = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('.top-table .num')].filter(c => c.scrollWidth > c.clientWidth).map(c => c.textContent)");
        Assert.Empty(cut);
    }
}
