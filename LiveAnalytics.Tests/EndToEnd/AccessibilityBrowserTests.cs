using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Live;
using LiveAnalytics.Sites;
using LiveAnalytics.Widgets;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>
/// Every page a merchant uses, checked by axe-core (Deque's engine, in Chromium) against WCAG 2 A and AA: names of
/// controls, labels, contrast, links told apart from text, and the rest of what a machine can check.
/// </summary>
public sealed class AccessibilityBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    private static readonly AxeRunOptions Wcag = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    [Fact]
    public async Task The_merchants_pages_meet_wcag_a_and_aa_as_far_as_axe_can_tell()
    {
        var visitor = await (await NewContextAsync(new() { BaseURL = BaseUri.ToString() })).NewPageAsync();
        var problems = new List<string>();
        foreach (var path in new[] { "/account/login", "/account/signup", "/account/forgot" })
            problems.AddRange(await CheckAsync(visitor, path));

        var (page, domain, siteId) = await SignUpWithSiteAsync();
        // Something on every card: a visit from a search engine with a custom event.
        using (var client = App.CreateClient())
        {
            (await client.SendAsync(TestData.Beacon($$"""{"n":"pageview","u":"https://{{domain}}/hats","d":"{{domain}}","r":"https://www.google.com/"}"""))).EnsureSuccessStatusCode();
            (await client.SendAsync(TestData.Beacon($$$"""{"n":"Signup","u":"https://{{{domain}}}/hats","d":"{{{domain}}}","p":{"plan":"pro"}}"""))).EnsureSuccessStatusCode();
        }
        await App.Get<EventHub>().WaitForAsync(siteId, s => s.Feed.Count == 2);
        foreach (var path in new[] { $"/sites/{siteId}", $"/sites/{siteId}/history", $"/sites/{siteId}/settings", $"/sites/{siteId}/widgets",
                                     "/sites", "/sites/new", "/settings/api-keys", "/account" })
            problems.AddRange(await CheckAsync(page, path));

        // What strangers see: the widgets on a storefront, in every theme, and a shared dashboard.
        var owner = await OwnerOfAsync(siteId);
        var site = (await App.Get<SiteRepository>().FindForUserAsync(siteId, owner))!;
        var (_, token) = (await App.Get<WidgetTokens>().CreateAsync(owner, siteId, "a11y", WidgetKind.All, [BaseUri.GetLeftPart(UriPartial.Authority)], ["Purchase"]))!.Value;
        foreach (var kind in WidgetKind.All)
            foreach (var theme in WidgetTheme.All.Where(t => t != "transparent"))   // transparent takes the host page's background
                problems.AddRange(await CheckAsync(visitor, $"/widget/{kind}?token={token}&theme={theme}&page={Uri.EscapeDataString($"https://{domain}/hats")}&event=Purchase&label=orders"));
        var (shared, _) = await App.Get<SharedLinks>().CreateAsync(site, owner, "Our agency");
        problems.AddRange(await CheckAsync(visitor, shared!));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static async Task<IEnumerable<string>> CheckAsync(IPage page, string path)
    {
        var response = await page.GotoAsync(path);
        Assert.True(response?.Ok, $"{path} answered {response?.Status}");   // the page itself, not an error page, is checked
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var result = await page.RunAxe(Wcag);
        return result.Violations.Select(v =>
            $"{path}: {v.Impact} {v.Id} ({v.Help}) at {string.Join(" ; ", v.Nodes.Take(3).Select(n => n.Html))}");
    }
}
