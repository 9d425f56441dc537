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
/// controls, labels, contrast, links told apart from text, and the rest of what a machine can check. The app's pages in
/// both themes: light, and dark as a system that prefers it gets them.
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
            problems.AddRange(await CheckAsync(visitor, path, bothThemes: true));

        var (page, domain, siteId) = await SignUpWithSiteAsync();
        // Something on every card: a visit from a search engine with a custom event.
        using (var client = App.CreateClient())
        {
            (await client.SendAsync(TestData.Beacon($$"""{"n":"pageview","u":"https://{{domain}}/hats","d":"{{domain}}","r":"https://www.google.com/"}"""))).EnsureSuccessStatusCode();
            (await client.SendAsync(TestData.Beacon($$$"""{"n":"Signup","u":"https://{{{domain}}}/hats","d":"{{{domain}}}","p":{"plan":"pro"}}"""))).EnsureSuccessStatusCode();
        }
        await App.Get<EventHub>().WaitForAsync(siteId, s => s.Feed.Count == 2);
        var owner = await OwnerOfAsync(siteId);
        var site = (await App.Get<SiteRepository>().FindForUserAsync(siteId, owner))!;
        // A funnel, for its card (and its changes when the page compares).
        Assert.Null(await App.Get<Funnels>().AddAsync(site, owner, "Sign-up", [(Goal.Page, "/hats"), (Goal.Event, "Signup")]));
        // An annotation, on the chart and listed under it; a segment, to pick beside the period.
        Assert.Null(await App.Get<Annotations>().AddAsync(site, owner, SiteClock.Today(site, TimeProvider.System), "Hat sale started"));
        Assert.Null(await App.Get<Segments>().SaveAsync(site, owner, "From Google", [new DashboardFilter("source", "Google")]));
        foreach (var path in new[] { $"/sites/{siteId}", $"/sites/{siteId}/history", $"/sites/{siteId}/history?compare=previous&match_day_of_week=true",
                                     $"/sites/{siteId}/history?compare=custom&compare_from=2026-01-01&compare_to=2026-01-30", $"/sites/{siteId}/history?f=source:Google",
                                     $"/sites/{siteId}/history/list/source?q=goo", $"/sites/{siteId}/history/list/page", $"/sites/{siteId}/settings", $"/sites/{siteId}/widgets",
                                     "/sites", "/sites/new", "/settings/api-keys", "/account" })
            problems.AddRange(await CheckAsync(page, path, bothThemes: true));
        // The Locations card's map, opened.
        await page.GotoAsync($"/sites/{siteId}/history");
        await page.ClickAsync("[data-testid=top-country] [data-tab=map]");
        await page.WaitForSelectorAsync("[data-testid=country-map] svg");
        problems.AddRange(await ViolationsAsync(page, "the history page's map"));

        // What strangers see: the widgets on a storefront, in every theme, and a shared dashboard.
        var (_, token) = (await App.Get<WidgetTokens>().CreateAsync(owner, siteId, "a11y", WidgetKind.All, [BaseUri.GetLeftPart(UriPartial.Authority)], ["Purchase"]))!.Value;
        foreach (var kind in WidgetKind.All)
            foreach (var theme in WidgetTheme.All.Where(t => t != "transparent"))   // transparent takes the host page's background
                problems.AddRange(await CheckAsync(visitor, $"/widget/{kind}?token={token}&theme={theme}&page={Uri.EscapeDataString($"https://{domain}/hats")}&event=Purchase&label=orders",
                    pageOfItsOwn: false));
        var (shared, _) = await App.Get<SharedLinks>().CreateAsync(site, owner, "Our agency");
        problems.AddRange(await CheckAsync(visitor, shared!, bothThemes: true));
        problems.AddRange(await CheckAsync(visitor, $"{shared}/list/source?sort=revenue"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <param name="bothThemes">Also as a system that prefers dark sees it (widgets have themes of their own, in the URL).</param>
    /// <param name="pageOfItsOwn">False for a widget, a line or a small table framed in someone else's page: no h1 of its own.</param>
    private static async Task<IEnumerable<string>> CheckAsync(IPage page, string path, bool bothThemes = false, bool pageOfItsOwn = true)
    {
        var response = await page.GotoAsync(path);
        Assert.True(response?.Ok, $"{path} answered {response?.Status}");   // the page itself, not an error page, is checked
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var problems = await ViolationsAsync(page, path, pageOfItsOwn);
        if (!bothThemes) return problems;
        // The theme follows the media query at once, without a reload (the page keeps its state).
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        // Colours with a transition (MudBlazor's buttons and labels) pass through mixtures of both themes first.
        await page.WaitForFunctionAsync("() => !document.getAnimations().some(a => a instanceof CSSTransition)");
        Assert.Equal("rgb(50, 51, 61)", await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor"));   // dark, or nothing is checked
        problems.AddRange(await ViolationsAsync(page, $"{path} (dark)"));
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        return problems;
    }

    // Beyond WCAG's tags, the structure a screen reader finds its way by: one h1 a page, headings in order (each card's
    // title one, under the page's), none empty, and no table column without a header.
    private static readonly AxeRunOptions Structure = new()
    {
        RunOnly = new RunOnlyOptions { Type = "rule", Values = ["page-has-heading-one", "heading-order", "empty-heading", "empty-table-header"] },
    };

    private static async Task<List<string>> ViolationsAsync(IPage page, string name, bool pageOfItsOwn = true) =>
        (await page.RunAxe(Wcag)).Violations.Concat(pageOfItsOwn ? (await page.RunAxe(Structure)).Violations : []).Select(v =>
            $"{name}: {v.Impact} {v.Id} ({v.Help}) at {string.Join(" ; ", v.Nodes.Take(3).Select(n => n.Html))}: {v.Nodes.First().Any.FirstOrDefault()?.Message}").ToList();
}
