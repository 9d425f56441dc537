using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using LiveAnalytics.Live;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>
/// A merchant signs up and adds a site in real Chromium; a visitor opens a page carrying the
/// snippet in a second browser context; the open dashboard shows them without a reload.
/// </summary>
public sealed class LiveDashboardBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    [Fact]
    public async Task A_visitor_appears_on_the_open_dashboard_without_a_reload()
    {
        var (merchant, domain, siteId) = await SignUpWithSiteAsync();
        await Expect(merchant.GetByTestId("visitors-online")).ToHaveTextAsync("0");
        await Expect(merchant.GetByTestId("first-visit")).ToContainTextAsync($"No visit from {domain} yet.");
        var snippet = (await merchant.GetByTestId("snippet").TextContentAsync())!;
        Assert.Contains($"data-domain=\"{domain}\"", snippet);

        // The store is another web server and origin, serving the snippet exactly as the dashboard shows it.
        await using var storeServer = await StoreServer.StartAsync(snippet);
        // Headless Chromium says "HeadlessChrome", which the bot filter rightly drops: this visitor is a person.
        var store = await (await NewContextAsync(new() { UserAgent = TestData.Chrome })).NewPageAsync();
        await store.GotoAsync($"{storeServer.Origin}/store/products/linen-hat");

        await Expect(merchant.GetByTestId("visitors-online")).ToHaveTextAsync("1");
        await Expect(merchant.GetByTestId("live-feed")).ToContainTextAsync("/store/products/linen-hat");
        await Expect(merchant.GetByTestId("first-visit")).ToHaveCountAsync(0);   // the notice goes with the first visit

        // A single-page-app navigation is a pageview too.
        await store.EvaluateAsync("history.pushState({}, '', '/store/cart')");
        await Expect(merchant.GetByTestId("live-feed")).ToContainTextAsync("/store/cart");
        await Expect(merchant.GetByTestId("visitors-online")).ToHaveTextAsync("1");

        // The server refuses one beacon (503): the tracker keeps it and sends it again after the next one succeeds. The
        // checkout page's pageview: the cart's engagement report, sent as the page moves on when it was a second on screen
        // (a slow machine), goes by sendBeacon, which is never kept.
        var refuseNext = true;
        await store.RouteAsync("**/api/event", async route =>
        {
            var checkout = route.Request.PostData!.Contains("/store/checkout") && route.Request.PostData.Contains("\"n\":\"pageview\"");
            if (!refuseNext || !checkout) { await route.ContinueAsync(); return; }
            refuseNext = false;
            await route.FulfillAsync(new() { Status = 503, Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = "*", ["Retry-After"] = "1" } });
        });
        await store.EvaluateAsync("history.pushState({}, '', '/store/checkout')");
        await store.WaitForFunctionAsync("() => (localStorage.getItem('la_retry') || '').includes('/store/checkout')");
        await store.EvaluateAsync("history.pushState({}, '', '/store/thanks')");
        await Expect(merchant.GetByTestId("live-feed")).ToContainTextAsync("/store/thanks");
        await Expect(merchant.GetByTestId("live-feed")).ToContainTextAsync("/store/checkout");

        // A beacon arrives but its answer is lost (as when the page goes on at once): the tracker keeps it and sends it
        // again with the id it was first sent with, so it is stored once.
        var loseAnswer = true;
        var shippingIds = new List<string>();
        await store.UnrouteAsync("**/api/event");
        await store.RouteAsync("**/api/event", async route =>
        {
            // The shipping page's pageview; the engagement reports of the pages left go their way.
            var shipping = route.Request.PostData!.Contains("/store/shipping") && route.Request.PostData.Contains("\"n\":\"pageview\"");
            if (shipping)
                lock (shippingIds) shippingIds.Add(JsonDocument.Parse(route.Request.PostData).RootElement.GetProperty("i").GetString()!);
            if (!loseAnswer || !shipping) { await route.ContinueAsync(); return; }
            loseAnswer = false;
            await using var arrived = await route.FetchAsync();
            Assert.Equal(202, arrived.Status);
            await route.AbortAsync();
        });
        await store.EvaluateAsync("history.pushState({}, '', '/store/shipping')");
        await store.WaitForFunctionAsync("() => (localStorage.getItem('la_retry') || '').includes('/store/shipping')");
        var resent = store.WaitForResponseAsync(r => r.Url.EndsWith("/api/event") && r.Request.PostData!.Contains("/store/shipping")
            && r.Request.PostData.Contains("\"n\":\"pageview\""));
        await store.EvaluateAsync("history.pushState({}, '', '/store/paid')");
        Assert.Equal(202, (await resent).Status);
        Assert.Equal(2, shippingIds.Count);
        Assert.Equal(shippingIds[0], shippingIds[1]);
        await App.Get<FlushEventsJob>().RunAsync();
        Assert.Equal(1, await CountStoredAsync(siteId, "/store/shipping"));

        // Widgets: a token for the store's origin, its embed code with a live preview, the iframe on the store.
        var dashboardUrl = merchant.Url;
        await merchant.GotoAsync(dashboardUrl + "/widgets");
        await WaitForCircuitAsync(merchant);
        await merchant.GetByLabel("Name").FillAsync("Storefront");
        await merchant.GetByLabel("Allowed origins").FillAsync(storeServer.Origin);
        await merchant.GetByTestId("create-token").ClickAsync();
        await Expect(merchant.GetByTestId("new-token")).ToBeVisibleAsync();
        var embed = (await merchant.GetByTestId("embed-code").TextContentAsync())!;
        Assert.StartsWith("<iframe src=", embed);
        await Expect(merchant.FrameLocator("[data-testid=embed-preview]").Locator(".la-number")).ToHaveTextAsync("1");

        storeServer.Embed = embed;
        var embedding = await store.Context.NewPageAsync();
        await embedding.GotoAsync($"{storeServer.Origin}/store/with-widget");
        await Expect(embedding.FrameLocator("iframe").Locator(".la-label")).ToHaveTextAsync("visitor online now");
        await Expect(embedding.FrameLocator("iframe").Locator(".la-number")).ToHaveTextAsync("1");
        // Another origin (127.0.0.1 is not localhost) may not frame it: Chromium enforces frame-ancestors. Headless
        // Chromium's own User-Agent: a bot to the tracker's server, so this page's beacons count for nobody.
        var elsewhere = await (await NewContextAsync(new())).NewPageAsync();
        var blocked = elsewhere.WaitForConsoleMessageAsync(new() { Predicate = m => m.Text.Contains("frame-ancestors") });
        await elsewhere.GotoAsync($"{storeServer.Origin.Replace("localhost", "127.0.0.1")}/store/with-widget");
        await blocked;
        Assert.Equal(0, await elsewhere.FrameLocator("iframe").Locator(".la-number").CountAsync());
        await elsewhere.CloseAsync();

        // The recent-events widget: a token that names the events it may count, the store's orders of the last 30
        // minutes called what the embed calls them, pushed.
        await merchant.GetByLabel("Name").FillAsync("Sales");
        await merchant.GetByLabel("Allowed origins").FillAsync(storeServer.Origin);
        await merchant.GetByTestId("allow-visitors").UncheckAsync();
        await merchant.GetByTestId("allow-recent-events").CheckAsync();
        await merchant.GetByLabel("Custom events it may count").FillAsync(" ");
        await merchant.GetByTestId("create-token").ClickAsync();
        await Expect(merchant.GetByTestId("token-error")).ToContainTextAsync("Name the custom events");
        await merchant.GetByLabel("Custom events it may count").FillAsync("Purchase");
        await merchant.GetByTestId("create-token").ClickAsync();
        await Expect(merchant.GetByTestId("widget-tokens")).ToContainTextAsync("Purchase");
        var sales = (await merchant.GetByTestId("embed-code").TextContentAsync())!;
        Assert.Contains("/widget/recent-events?", sales);
        Assert.Contains("&amp;event=Purchase&amp;label=orders", sales);
        storeServer.Embed = sales;
        await embedding.GotoAsync($"{storeServer.Origin}/store/with-sales");
        await Expect(embedding.FrameLocator("iframe").Locator(".la-label")).ToHaveTextAsync("orders in the last 30 minutes");
        await Expect(embedding.FrameLocator("iframe").Locator(".la-number")).ToHaveTextAsync("0");
        await store.EvaluateAsync("la('Purchase', { revenue: { amount: 49.9, currency: 'EUR' } })");
        await Expect(embedding.FrameLocator("iframe").Locator(".la-number")).ToHaveTextAsync("1");

        // The visitor closes one of the store's two tabs: still here, so no "leave" (had one come, the count would read 0
        // once its grace passed). Then the last: pagehide sends "leave", and the count drops without waiting 5 minutes.
        await merchant.GotoAsync(dashboardUrl);
        await Expect(merchant.GetByTestId("visitors-online")).ToHaveTextAsync("1");
        await embedding.CloseAsync(new() { RunBeforeUnload = true });
        await Task.Delay(LiveSnapshot.LeaveGrace + TimeSpan.FromSeconds(2));   // the grace, the hub's 1 s expiry, a render
        Assert.Equal("1", await merchant.GetByTestId("visitors-online").TextContentAsync());
        await store.CloseAsync(new() { RunBeforeUnload = true });
        await Expect(merchant.GetByTestId("visitors-online")).ToHaveTextAsync("0");

        // Logging out ends the session: the dashboard asks for a login again.
        await merchant.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await ExpectUrlAsync(merchant, "/account/login");
        await merchant.GotoAsync("/sites");
        await Expect(merchant).ToHaveURLAsync(new Regex(@"/account/login\?"));   // polled: see ExpectUrlAsync
    }

    private async Task<long> CountStoredAsync(long siteId, string path)
    {
        await using var conn = await App.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE site_id = @siteId AND pathname = @path", new { siteId, path });
    }
}
