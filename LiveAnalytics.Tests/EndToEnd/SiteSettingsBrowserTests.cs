using LiveAnalytics.Retention;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>The site's settings in Chromium: data retention, and deleting the site.</summary>
public sealed class SiteSettingsBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    [Fact]
    public async Task A_merchant_sets_the_retention_then_deletes_the_site()
    {
        var (page, domain, siteId) = await SignUpWithSiteAsync();
        await page.GotoAsync($"/sites/{siteId}/settings");
        await WaitForCircuitAsync(page);

        var days = page.GetByTestId("retention-days");
        await days.FillAsync("10");
        await page.GetByTestId("retention-save").ClickAsync();
        await Expect(page.GetByTestId("retention")).ToContainTextAsync("between 30 and 36500 days");
        await days.FillAsync("90");
        await page.GetByTestId("retention-save").ClickAsync();
        await Expect(page.GetByTestId("retention-state")).ToHaveTextAsync("Raw events are kept for 90 days.");
        Assert.Equal(90, await App.Get<EventRetention>().GetAsync(siteId));
        if (Environment.GetEnvironmentVariable("LA_SCREENSHOTS") is { Length: > 0 } folder)
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "site-settings.png"), FullPage = true });

        var delete = page.GetByTestId("delete-site-button");
        await Expect(delete).ToBeDisabledAsync();
        await page.GetByTestId("delete-site-confirm").FillAsync(domain);
        await Expect(delete).ToBeEnabledAsync();
        await delete.ClickAsync();
        await ExpectUrlAsync(page, "/sites");
        await Expect(page.GetByText("No sites yet")).ToBeVisibleAsync();
        await using var conn = await App.Get<Npgsql.NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(0, await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "SELECT count(*) FROM sites WHERE id = @siteId", new { siteId }));
    }
}
