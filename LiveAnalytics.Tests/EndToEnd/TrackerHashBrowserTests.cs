using LiveAnalytics.Live;
using LiveAnalytics.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>A store that routes its pages by the URL's fragment (#/products/hat), with the snippet's data-hash, in Chromium.</summary>
public sealed class TrackerHashBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    [Fact]
    public async Task Pages_routed_by_the_fragment_count_each_with_data_hash()
    {
        var (merchant, _, siteId) = await SignUpWithSiteAsync();
        // The merchant ticks it on the site's page, and the snippet shown carries it.
        await WaitForCircuitAsync(merchant);
        await merchant.GetByTestId("snippet-hash").CheckAsync();
        await Expect(merchant.GetByTestId("snippet")).ToContainTextAsync(" data-hash src=");
        var snippet = (await merchant.GetByTestId("snippet").TextContentAsync())!;
        await using var storeServer = await StoreServer.StartAsync(snippet);
        storeServer.Body = """<a id="hat" href="#/products/hat">Hat</a> <a id="cart" href="#/cart">Cart</a>""";
        var store = await (await NewContextAsync(new() { UserAgent = TestData.Chrome })).NewPageAsync();
        var hub = App.Get<EventHub>();

        await store.GotoAsync($"{storeServer.Origin}/store/app");
        await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Pathname == "/store/app"));
        await store.ClickAsync("#hat");
        await hub.WaitForAsync(siteId, s => s.Feed.Any(f => f.Pathname == "/store/app#/products/hat"));
        await store.ClickAsync("#cart");
        await store.GoBackAsync();   // back to the hat: a page again
        var live = await hub.WaitForAsync(siteId, s => s.Feed.Count(f => f.Name == "pageview") == 4);
        Assert.Equal(["/store/app", "/store/app#/products/hat", "/store/app#/cart", "/store/app#/products/hat"],
            live.Feed.Where(f => f.Name == "pageview").Reverse().Select(f => f.Pathname));
    }
}
