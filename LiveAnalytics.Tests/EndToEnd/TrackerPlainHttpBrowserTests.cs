using System.Text.Json;
using System.Text.RegularExpressions;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live;
using LiveAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>
/// A store on plain http (not a secure context: no <c>crypto.randomUUID</c>) still names its events, so a
/// resent beacon is stored once there too.
/// </summary>
public sealed partial class TrackerPlainHttpBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    [Fact]
    public async Task A_store_on_plain_http_names_each_event_with_a_UUIDv7()
    {
        var shop = await App.MerchantAsync();
        var context = await NewContextAsync(new() { UserAgent = TestData.Chrome });
        // Any host but localhost and 127.0.0.1 on http is insecure; this one is answered here. Chromium lets no insecure
        // page reach a loopback address, so the app is reached under a public-looking name too, through Playwright.
        await context.RouteAsync("http://plain-shop.test/**", r => r.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = $"""<!doctype html><html><head><script defer data-domain="{shop.Site.Domain}" src="http://analytics.test/la.js"></script></head><body>Hats</body></html>""",
        }));
        await context.RouteAsync("http://analytics.test/**", async r =>
        {
            var answer = await r.FetchAsync(new() { Url = r.Request.Url.Replace("http://analytics.test/", BaseUri.ToString()) });
            await r.FulfillAsync(new() { Response = answer });
        });
        var page = await context.NewPageAsync();
        var beacons = new List<string>();
        page.Request += (_, r) => { if (r.Url.EndsWith("/api/event")) lock (beacons) beacons.Add(r.PostData!); };
        var started = DateTimeOffset.UtcNow;

        await page.GotoAsync("http://plain-shop.test/hats");
        Assert.False(await page.EvaluateAsync<bool>("isSecureContext"));
        Assert.Equal("undefined", await page.EvaluateAsync<string>("typeof crypto.randomUUID"));
        await page.EvaluateAsync("history.pushState({}, '', '/hats/linen')");

        var hub = App.Get<EventHub>();
        // Both beacons go through Playwright at once and may arrive in either order.
        await hub.WaitForAsync(shop.Site.Id, s => s.Feed.Count(f => f.Pathname is "/hats" or "/hats/linen") == 2);
        string[] ids;
        // The pageviews (the first page's engagement is reported too if it was on screen for a second).
        lock (beacons) ids = beacons.Where(b => !b.Contains("\"n\":\"engagement\"")).Select(b => JsonDocument.Parse(b).RootElement.GetProperty("i").GetString()!).ToArray();
        Assert.Equal(2, ids.Length);
        Assert.NotEqual(ids[0], ids[1]);
        foreach (var id in ids)
        {
            Assert.Matches(UuidV7(), id);
            // The first 48 bits are the time it was made, in milliseconds.
            var made = DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(id.Replace("-", "")[..12], 16));
            Assert.InRange(made, started.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
        }
        // The server stored them under the ids the page gave (scoped by site), not ids of its own.
        var stored = (await App.StreamEventsAsync()).Select(e => e.Event).Where(e => e.SiteId == shop.Site.Id && !e.IsEngagement).Select(e => e.Id);
        Assert.Equal(ids.Select(i => EventIds.ForSite(Guid.Parse(i), shop.Site.Id)).Order(), stored.Order());
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV7();
}
