using LiveAnalytics.Retention;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>The site's settings in Chromium: its time zone, data retention, and deleting the site.</summary>
public sealed class SiteSettingsBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    [Fact]
    public async Task A_merchant_changes_the_time_zone_sets_the_retention_then_deletes_the_site()
    {
        var (page, domain, siteId) = await SignUpWithSiteAsync();
        await page.GotoAsync($"/sites/{siteId}/settings");
        await WaitForCircuitAsync(page);

        // Another time zone: the header says so, and the rebuild it started shows (its job does not run in tests).
        await page.GetByTestId("timezone-zone").FillAsync("Berlin");
        await page.GetByText("Europe/Berlin", new() { Exact = true }).ClickAsync();
        await page.GetByTestId("timezone-save").ClickAsync();
        await Expect(page.GetByText($"{domain} · Europe/Berlin")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("backfill-progress")).ToContainTextAsync("Finding the hours");

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
