using Xunit.Abstractions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>Merchants watch their visitors from a phone too: no page is wider than its screen (nothing to scroll sideways).</summary>
public sealed class PhoneLayoutBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    [Fact]
    public async Task Every_page_of_a_site_fits_a_phones_width()
    {
        var (page, _, siteId) = await SignUpWithSiteAsync();
        await page.SetViewportSizeAsync(390, 844);
        foreach (var path in new[] { $"/sites/{siteId}", $"/sites/{siteId}/history", $"/sites/{siteId}/settings", $"/sites/{siteId}/widgets",
                                     "/sites", "/settings/api-keys", "/account" })
        {
            await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);
            var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
            Assert.True(widths[0] <= widths[1], $"{path} is {widths[0]} px wide on a {widths[1]} px screen");
        }
    }
}
