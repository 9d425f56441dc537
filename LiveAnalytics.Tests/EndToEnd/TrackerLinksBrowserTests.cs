using LiveAnalytics.Live;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>
/// The tracker's clicks in Chromium: the opt-in outbound links and file downloads, with the page the click leaves, and
/// elements tagged by class; and its engagement reports as a reader scrolls, moves on in the store and leaves.
/// </summary>
public sealed class TrackerLinksBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    [Fact]
    public async Task Clicks_on_outbound_links_and_files_are_sent_as_the_page_goes()
    {
        var (merchant, domain, siteId) = await SignUpWithSiteAsync();
        // The merchant ticks both on the site's page, and the snippet shown carries them.
        await WaitForCircuitAsync(merchant);
        await merchant.GetByTestId("snippet-outbound").CheckAsync();
        await merchant.GetByTestId("snippet-downloads").CheckAsync();
        await Expect(merchant.GetByTestId("snippet")).ToContainTextAsync("data-outbound-links data-file-downloads");
        var snippet = (await merchant.GetByTestId("snippet").TextContentAsync())!;
        await using var storeServer = await StoreServer.StartAsync(snippet);
        storeServer.Body = """
            <a id="partner" href="https://partner.example/hats?ref=shop">Our partner</a>
            <a id="catalog" href="/files/Catalog%202026.PDF">Catalog</a>
            <a id="cart" href="/store/cart">Cart</a>
            """;
        var context = await NewContextAsync(new() { UserAgent = TestData.Chrome });
        // Nothing leaves this machine: the other site and the file are answered here.
        await context.RouteAsync("https://partner.example/**", r => r.FulfillAsync(new() { Body = "<p>partner</p>", ContentType = "text/html" }));
        var store = await context.NewPageAsync();
        // Served as an attachment, the file downloads and the page stays. Shown inline, Chromium's PDF viewer swaps the
        // page's renderer, and going back from it failed now and then with "Not attached to an active page".
        await store.RouteAsync("**/files/**", r => r.FulfillAsync(new()
        {
            Body = "%PDF-1.4", ContentType = "application/pdf",
            Headers = new Dictionary<string, string> { ["Content-Disposition"] = "attachment; filename=\"Catalog 2026.pdf\"" },
        }));
        var hub = App.Get<EventHub>();

        await store.GotoAsync($"{storeServer.Origin}/store/products/linen-hat");
        await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Pathname == "/store/products/linen-hat"));
        var download = await store.RunAndWaitForDownloadAsync(() => store.ClickAsync("#catalog"));
        Assert.Equal("Catalog 2026.pdf", download.SuggestedFilename);
        await store.ClickAsync("#cart");   // the store's own page: a pageview, no click event
        await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Pathname == "/store/cart"));   // before leaving it, or its beacon may not go
        await store.GoBackAsync();
        await store.ClickAsync("#partner");
        await Expect(store).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("^https://partner.example/"));

        var live = await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Name == "Outbound Link: Click") && s.Feed.Any(f => f.Name == "File Download"));
        Assert.Equal(1, live.Feed.Count(f => f.Name == "Outbound Link: Click"));
        Assert.Equal(1, live.Feed.Count(f => f.Name == "File Download"));
        var props = (await App.StreamEventsAsync()).Select(e => e.Event).Where(e => e.SiteId == siteId && e.Props is not null)
            .ToDictionary(e => e.Name, e => e.Props);
        Assert.Equal("""{"url":"https://partner.example/hats?ref=shop"}""", props["Outbound Link: Click"]);
        Assert.Equal($$"""{"url":"{{storeServer.Origin}}/files/Catalog%202026.PDF"}""", props["File Download"]);
    }

    [Fact]
    public async Task Elements_tagged_by_class_send_their_events_on_click_and_submit()
    {
        var (merchant, _, siteId) = await SignUpWithSiteAsync();
        await WaitForCircuitAsync(merchant);
        await merchant.GetByTestId("snippet-outbound").CheckAsync();
        await Expect(merchant.GetByTestId("snippet")).ToContainTextAsync("data-outbound-links");
        await using var storeServer = await StoreServer.StartAsync((await merchant.GetByTestId("snippet").TextContentAsync())!);
        storeServer.Body = """
            <button id="signup" class="btn la-event-name=Signup la-event-plan=pro+yearly"><b id="label">Sign up</b></button>
            <p id="plain" class="la-event-plan=free">Not an event: no name</p>
            <form class="la-event-name=Newsletter" action="/store/thanks"><input name="email" value="a@b.example">
              <button id="subscribe">Subscribe</button></form>
            <a id="partner" class="la-event-name=Partner+visit" href="https://partner.example/">Our partner</a>
            """;
        var context = await NewContextAsync(new() { UserAgent = TestData.Chrome });
        await context.RouteAsync("https://partner.example/**", r => r.FulfillAsync(new() { Body = "<p>partner</p>", ContentType = "text/html" }));
        var store = await context.NewPageAsync();
        var hub = App.Get<EventHub>();

        await store.GotoAsync($"{storeServer.Origin}/store/pricing");
        await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Pathname == "/store/pricing"));
        await store.ClickAsync("#label");   // inside the tagged button
        await store.ClickAsync("#plain");
        await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Name == "Signup"));
        await store.ClickAsync("#subscribe");   // a click in a tagged form is its submission, not a click event
        await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Pathname == "/store/thanks"));
        await store.GoBackAsync();
        await store.ClickAsync("#partner");   // its own event, not an outbound link click
        await Expect(store).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("^https://partner.example/"));

        var live = await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Name == "Partner visit"));
        Assert.Equal(["Signup", "Newsletter", "Partner visit"],
            live.Feed.Where(f => f.Name != "pageview").Reverse().Select(f => f.Name));
        var stored = (await App.StreamEventsAsync()).Select(e => e.Event).Where(e => e.SiteId == siteId && e.Name != "pageview").ToList();
        Assert.Equal("""{"plan":"pro yearly"}""", stored.Single(e => e.Name == "Signup").Props);
        Assert.Null(stored.Single(e => e.Name == "Newsletter").Props);
        Assert.Equal("/store/pricing", stored.Single(e => e.Name == "Newsletter").Pathname);
    }

    [Fact]
    public async Task A_page_views_engagement_is_reported_when_the_reader_moves_on_and_when_the_page_goes()
    {
        var (merchant, _, siteId) = await SignUpWithSiteAsync();
        await WaitForCircuitAsync(merchant);
        await using var storeServer = await StoreServer.StartAsync((await merchant.GetByTestId("snippet").TextContentAsync())!);
        storeServer.Body = """
            <article style="height: 4000px">A long read about linen hats.</article>
            <button id="next" onclick="history.pushState({}, '', '/store/next')">Next article</button>
            """;
        var context = await NewContextAsync(new() { UserAgent = TestData.Chrome });
        var store = await context.NewPageAsync();
        var hub = App.Get<EventHub>();

        await store.GotoAsync($"{storeServer.Origin}/store/article");
        await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Pathname == "/store/article"));
        await Task.Delay(1200);            // a view is engaged after a second on screen
        await store.ClickAsync("#next");   // scrolls to the button at the bottom: read to the end; an SPA moves on
        await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Pathname == "/store/next"));
        await Task.Delay(1200);            // long enough on the next page to report it when the tab goes
        await store.CloseAsync(new() { RunBeforeUnload = true });   // the tab closes: pagehide

        var reports = await ReportsAsync(siteId, 2);
        Assert.True(reports.Count == 2, string.Join("; ", reports.Select(r => $"{r.Pathname} {r.Engagement}")));
        var article = reports.Single(r => r.Pathname == "/store/article").Engagement!;
        Assert.True(article.First);
        Assert.Equal(100, article.ScrollGain);   // the deepest: the page's end
        Assert.InRange(article.EngagedMs, 1_000, 60_000);
        var next = reports.Single(r => r.Pathname == "/store/next").Engagement!;
        Assert.True(next.First);
        Assert.InRange(next.EngagedMs, 1_000, 60_000);
        // Reports are not events: the live feed shows the two pageviews only.
        Assert.Equal(["pageview", "pageview"], hub.Snapshot(siteId).Feed.Select(f => f.Name));
    }

    [Fact]
    public async Task Time_behind_another_window_is_not_counted_as_engaged()
    {
        var (merchant, _, siteId) = await SignUpWithSiteAsync();
        await WaitForCircuitAsync(merchant);
        await using var storeServer = await StoreServer.StartAsync((await merchant.GetByTestId("snippet").TextContentAsync())!);
        storeServer.Body = "<p>A short page.</p>";
        var context = await NewContextAsync(new() { UserAgent = TestData.Chrome });
        var store = await context.NewPageAsync();
        // The test's own clock bounds the time in front from above, however slow the machine: from before the page loads
        // to after it is blurred, and from before it is focused again to after it is closed.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await store.GotoAsync($"{storeServer.Origin}/store/about");
        await App.Get<EventHub>().WaitForAsync(siteId, s => s.Feed.Any(f => f.Pathname == "/store/about"));

        await store.EvaluateAsync("dispatchEvent(new Event('blur'))");    // another window on top
        var blurred = clock.ElapsedMilliseconds;
        await Task.Delay(2000);
        var focused = clock.ElapsedMilliseconds;
        await store.EvaluateAsync("dispatchEvent(new Event('focus'))");   // back
        await Task.Delay(1200);
        await store.CloseAsync(new() { RunBeforeUnload = true });
        var inFront = blurred + (clock.ElapsedMilliseconds - focused);

        var report = (await ReportsAsync(siteId, 1)).Single().Engagement!;
        Assert.InRange(report.EngagedMs, 1_000, inFront + 300);   // the time in front, not the 2 s behind
    }

    /// <summary>The site's engagement reports on the stream, once <paramref name="count"/> have come (sent by sendBeacon: not awaited).</summary>
    private async Task<List<LiveAnalytics.Ingestion.TrackedEvent>> ReportsAsync(long siteId, int count)
    {
        for (var waited = 0; ; waited += 100)
        {
            var reports = (await App.StreamEventsAsync()).Select(e => e.Event).Where(e => e.SiteId == siteId && e.IsEngagement).ToList();
            if (reports.Count >= count || waited > 15_000) return reports;
            await Task.Delay(100);
        }
    }
}
