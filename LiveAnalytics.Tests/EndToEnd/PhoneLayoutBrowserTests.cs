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
            if (path != $"/sites/{siteId}") continue;
            // The live feed keeps what fits its card (its table would otherwise scroll sideways inside it).
            await page.GetByTestId("live-feed").Locator("tbody tr").First.WaitForAsync();
            var feed = await page.EvaluateAsync<int[]>("() => { const t = document.querySelector('[data-testid=live-feed]'); return [t.scrollWidth, t.closest('.mud-table-container').clientWidth]; }");
            Assert.True(feed[0] <= feed[1], $"the live feed is {feed[0]} px wide in a {feed[1]} px card");
        }
    }
}
