using Bunit;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Dashboard.Pages;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>A top list beyond the card's ten: every value, a page at a time, searched and ranked by visitors or revenue.</summary>
public sealed class TopValuesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateTimeOffset Noon = new(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Today = new(2026, 11, 28);
    private const string Day = "period=custom&from=2026-11-10&to=2026-11-10";

    /// <summary>
    /// 10 November: Google brings 6 visitors from Germany (two buy for 50 each), Bing 5 from France, DuckDuckGo 4 from
    /// Germany (one buys for 500), Google Ads 3 from the United States, and 2 Germans come direct.
    /// </summary>
    private async Task<Merchant> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        var events = new List<TrackedEvent>();
        var visitor = 0;
        foreach (var (source, count, country) in new[] { ("Google", 6, "DE"), ("Bing", 5, "FR"), ("DuckDuckGo", 4, "DE"), ("Google Ads", 3, "US"), (null, 2, "DE") })
        {
            for (var i = 0; i < count; i++)
            {
                visitor++;
                events.Add(TestData.Event(shop.Site.Id, Noon.AddMinutes(visitor), visitor, "/") with { Source = source, Country = country });
                decimal? amount = (source, i) switch { ("Google", < 2) => 50m, ("DuckDuckGo", 0) => 500m, _ => null };
                if (amount is not null)
                    events.Add(TestData.Event(shop.Site.Id, Noon.AddMinutes(visitor).AddSeconds(30), visitor, "/checkout", "Purchase") with
                    {
                        Source = source, Country = country, RevenueAmount = amount, RevenueCurrency = "EUR",
                    });
            }
        }
        await _app.Get<EventWriter>().WriteAsync([.. events], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        return shop;
    }

    private static DashboardView View(params string[] filters) =>
        DashboardView.Parse("custom", "2026-11-10", "2026-11-10", null, filters, null, null, null).View;

    private async Task<string[]> ListAsync(Merchant shop, DashboardDimension dimension, DashboardView view, string? search = null, bool byRevenue = false,
        int offset = 0, int limit = TopValues.PageSize) =>
        [.. (await _app.Get<TopValues>().ReadAsync(shop.Site, view, Today, dimension, search, byRevenue, offset, limit))
            .Select(r => $"{r.Value}={r.Counts.Visitors},{r.Counts.Revenue:0}")];

    [Fact]
    public async Task Every_value_is_listed_a_page_at_a_time_and_found_by_a_search_in_any_case()
    {
        var shop = await ShopAsync();
        var all = View();
        Assert.Equal(["Google=6,100", "Bing=5,0", "DuckDuckGo=4,500", "Google Ads=3,0", "=2,0"], await ListAsync(shop, DashboardDimensions.Source, all));
        Assert.Equal(["DuckDuckGo=4,500", "Google Ads=3,0"], await ListAsync(shop, DashboardDimensions.Source, all, offset: 2, limit: 2));
        Assert.Equal(["Google=6,100", "Google Ads=3,0"], await ListAsync(shop, DashboardDimensions.Source, all, search: " gOO "));
        Assert.Empty(await ListAsync(shop, DashboardDimensions.Source, all, search: "yahoo"));
        // A search's % and _ are the letters they are, not wildcards.
        Assert.Empty(await ListAsync(shop, DashboardDimensions.Source, all, search: "G%s"));
        // The visits without a source are found by the label they are listed under, "Direct / None".
        Assert.Equal(["=2,0"], await ListAsync(shop, DashboardDimensions.Source, all, search: "direct"));
        Assert.Equal(["Google=6,100", "DuckDuckGo=4,500", "Google Ads=3,0", "=2,0"], await ListAsync(shop, DashboardDimensions.Source, all, search: "o"));
        // Ranked by the revenue the visits brought; those without any after, by value.
        Assert.Equal(["DuckDuckGo=4,500", "Google=6,100", "=2,0", "Bing=5,0", "Google Ads=3,0"],
            await ListAsync(shop, DashboardDimensions.Source, all, byRevenue: true));
        // Countries are found by their names (their rows hold codes) or codes.
        Assert.Equal(["DE=12,600"], await ListAsync(shop, DashboardDimensions.Country, all, search: "germ"));
        Assert.Equal(["US=3,0"], await ListAsync(shop, DashboardDimensions.Country, all, search: "us"));
        Assert.Empty(await ListAsync(shop, DashboardDimensions.Country, all, search: "atlantis"));
    }

    [Fact]
    public async Task Under_the_dashboards_filters_the_list_and_its_search_count_the_visits_they_keep()
    {
        var shop = await ShopAsync();
        var germans = View("country:DE");
        Assert.Equal(["Google=6,100", "DuckDuckGo=4,500", "=2,0"], await ListAsync(shop, DashboardDimensions.Source, germans));
        Assert.Equal(["Google=6,100"], await ListAsync(shop, DashboardDimensions.Source, germans, search: "goo"));
        Assert.Equal(["=2,0"], await ListAsync(shop, DashboardDimensions.Source, germans, search: "NONE"));
        Assert.Equal(["DuckDuckGo=4,500", "=2,0"], await ListAsync(shop, DashboardDimensions.Source, germans, search: "d", byRevenue: true));
        Assert.Equal(["DuckDuckGo=4,500", "Google=6,100", "=2,0"], await ListAsync(shop, DashboardDimensions.Source, germans, byRevenue: true));
        Assert.Equal(["DuckDuckGo=4,500"], await ListAsync(shop, DashboardDimensions.Source, germans, byRevenue: true, offset: 0, limit: 1));
        // Under the purchase goal: the buyers and what they paid.
        Assert.Equal(["Google=2,100", "DuckDuckGo=1,500"], await ListAsync(shop, DashboardDimensions.Source, View("event:Purchase")));
        // The custom events: theirs alone, not the pageviews (which a search for "page" would find).
        Assert.Equal(["Purchase=3,600"], await ListAsync(shop, DashboardDimensions.Event, View()));
        Assert.Equal(["Purchase=3,600"], await ListAsync(shop, DashboardDimensions.Event, germans, byRevenue: true));
        Assert.Equal(["Purchase=3,600"], await ListAsync(shop, DashboardDimensions.Event, View(), search: "PURCH"));
        Assert.Empty(await ListAsync(shop, DashboardDimensions.Event, View(), search: "page"));
        Assert.Empty(await ListAsync(shop, DashboardDimensions.Event, germans, search: "page"));
        // Pages rank by visitors only, whatever is asked: their revenue is where a purchase happened, not what earned it.
        Assert.Equal(["/=20,0", "/checkout=3,600"], await ListAsync(shop, DashboardDimensions.Page, View(), byRevenue: true));
    }

    [Fact]
    public async Task Under_a_goals_filter_each_value_is_rated_against_its_own_visitors()
    {
        var shop = await ShopAsync();
        async Task<string[]> Rated(params string[] filters) =>
            [.. (await _app.Get<TopValues>().ReadAsync(shop.Site, View(filters), Today, DashboardDimensions.Source, null, false, 0, TopValues.PageSize))
                .Select(r => $"{r.Value}={r.Counts.Visitors}/{r.AllVisitors}")];
        // Google's 2 buyers of its 6 visitors, DuckDuckGo's 1 of 4: from the rollups, and under another filter from the visits.
        Assert.Equal(["Google=2/6", "DuckDuckGo=1/4"], await Rated("event:Purchase"));
        Assert.Equal(["Google=2/6", "DuckDuckGo=1/4"], await Rated("event:Purchase", "country:DE"));
        // Without a goal there is no rate; the custom events' list has none either (as the card).
        Assert.All(await _app.Get<TopValues>().ReadAsync(shop.Site, View(), Today, DashboardDimensions.Source, null, false, 0, 10), r => Assert.Null(r.AllVisitors));
        Assert.All(await _app.Get<TopValues>().ReadAsync(shop.Site, View("event:Purchase"), Today, DashboardDimensions.Event, null, false, 0, 10),
            r => Assert.Null(r.AllVisitors));
    }

    [Fact]
    public async Task Exit_pages_carry_their_views_for_their_exit_rates_as_on_the_card()
    {
        // From Germany: 1 sees / then /hats, 3 sees /, /hats and / again, 4 only /hats; 2, from France, only /.
        var shop = await _app.MerchantAsync();
        var paths = new Dictionary<long, string[]> { [1] = ["/", "/hats"], [2] = ["/"], [3] = ["/", "/hats", "/"], [4] = ["/hats"] };
        await _app.Get<EventWriter>().WriteAsync([.. paths.SelectMany(v => v.Value.Select((path, i) =>
            TestData.Event(shop.Site.Id, Noon.AddMinutes(10 * v.Key + i), v.Key, path) with { Source = "Google", Country = v.Key == 2 ? "FR" : "DE" }))],
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        async Task<string[]> Exits(params string[] filters) =>
            [.. (await _app.Get<TopValues>().ReadAsync(shop.Site, View(filters), Today, DashboardDimensions.ExitPage, null, false, 0, TopValues.PageSize))
                .Select(r => $"{r.Value}={r.Counts.Visits}/{r.PagePageviews}")];
        Assert.Equal(["/=2/4", "/hats=2/3"], await Exits());   // from the rollups
        Assert.Equal(["/hats=2/3", "/=1/3"], await Exits("country:DE"));   // in the German visits
        // Under a condition on events the visits count only such events: no base for an exit rate (as the card).
        Assert.All(await _app.Get<TopValues>().ReadAsync(shop.Site, View("page:/hats"), Today, DashboardDimensions.ExitPage, null, false, 0, 10),
            r => Assert.Null(r.PagePageviews));
    }

    [Fact]
    public async Task The_page_lists_a_hundred_values_then_more_and_a_click_filters_the_dashboard()
    {
        var shop = await _app.MerchantAsync();
        await _app.Get<EventWriter>().WriteAsync([.. Enumerable.Range(1, 101).Select(v =>
            TestData.Event(shop.Site.Id, Noon.AddSeconds(v), v, "/") with { Source = $"<b>site{v:000}</b>.example" })],
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        await using var ctx = ComponentContext.For(_app, shop.User, [.. ComponentContext.HistoryPage, typeof(TopValues), typeof(TimeProvider)]);
        ctx.SignIn(shop.User);
        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo($"/sites/{shop.Site.Id}/history/list/source?{Day}");

        var page = ctx.Render<TopDetailsPage>(p => p.Add(c => c.SiteId, shop.Site.Id).Add(c => c.DimensionKey, "source"));
        page.WaitForAssertion(() => Assert.Equal(100, page.FindAll(".top-row").Count));
        Assert.Equal("<b>site001</b>.example", page.FindAll(".top-label")[0].TextContent);   // text, never markup
        Assert.Empty(page.FindAll("b"));
        page.On("[data-testid=details-more]", e => e.Click());
        page.WaitForAssertion(() => Assert.Equal(101, page.FindAll(".top-row").Count));
        Assert.Empty(page.FindAll("[data-testid=details-more]"));
        Assert.EndsWith($"/sites/{shop.Site.Id}/history?{Day}", page.Find("[data-testid=details-back]").GetAttribute("href"));

        page.On("tr[data-value='<b>site007</b>.example']", e => e.Click());
        page.WaitForAssertion(() => Assert.EndsWith($"/sites/{shop.Site.Id}/history?{Day}&f=source%3A%3Cb%3Esite007%3C%2Fb%3E.example", nav.Uri));

        // A site the user is no member of, or a list that does not exist, is not found.
        var other = await _app.MerchantAsync();
        var foreign = ctx.Render<TopDetailsPage>(p => p.Add(c => c.SiteId, other.Site.Id).Add(c => c.DimensionKey, "source"));
        foreign.WaitForAssertion(() => Assert.Contains("not found", foreign.Markup, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(foreign.FindAll(".top-row"));
        var goals = ctx.Render<TopDetailsPage>(p => p.Add(c => c.SiteId, shop.Site.Id).Add(c => c.DimensionKey, "goal"));
        goals.WaitForAssertion(() => Assert.Contains("not found", goals.Markup, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_list_exports_as_csv_with_its_search_and_ranking_to_members_only()
    {
        var shop = await ShopAsync();
        Assert.Null(await _app.Get<RevenueCurrency>().SetAsync(shop.Site, shop.User.Id, "EUR"));
        var (status, type, csv) = await ExportAsync(shop.Site.Id, "source", shop.User.Id, $"?{Day}&q=goo&sort=revenue");
        Assert.Equal((StatusCodes.Status200OK, "text/csv; charset=utf-8"), (status, type));
        Assert.Equal([
            "source,visitors,visits,pageviews,views_per_visit,bounce_rate,visit_duration,events,revenue (EUR)",
            "Google,6,6,6,1,100,10,8,100.00",   // every visit one pageview (a bounce); two buyers' visits of 30 s
            "Google Ads,3,3,3,1,100,0,3,0.00",
        ], csv);
        (_, _, csv) = await ExportAsync(shop.Site.Id, "country", shop.User.Id, $"?{Day}&f=source:Bing");
        Assert.Equal(["country,visitors,visits,pageviews,views_per_visit,bounce_rate,visit_duration,events,revenue (EUR)", "France (FR),5,5,5,1,100,0,5,0.00"], csv);

        var stranger = await _app.UserAsync();
        Assert.Equal(StatusCodes.Status404NotFound, (await ExportAsync(shop.Site.Id, "source", stranger.Id, $"?{Day}")).Status);
        Assert.Equal(StatusCodes.Status404NotFound, (await ExportAsync(shop.Site.Id, "goal", shop.User.Id, $"?{Day}")).Status);
        Assert.Equal(StatusCodes.Status400BadRequest, (await ExportAsync(shop.Site.Id, "source", shop.User.Id, "?period=fortnight")).Status);
        // A search's control characters are no part of it: no stored value holds one.
        Assert.Equal(3, (await ExportAsync(shop.Site.Id, "source", shop.User.Id, $"?{Day}&q=%00goo")).Csv.Length);
    }

    [Fact]
    public async Task An_export_holds_more_values_than_the_page_lists()
    {
        // A catalogue of 1,200 product pages, each viewed once: the page lists a thousand, the export every one.
        var shop = await _app.MerchantAsync();
        await _app.Get<EventWriter>().WriteAsync(
            [.. Enumerable.Range(1, 1_200).Select(i => TestData.Event(shop.Site.Id, Noon.AddSeconds(i), i, $"/products/item-{i}") with { Device = "desktop" })],
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        Assert.True(TopValues.MaxRows < 1_200);

        var csv = (await ExportAsync(shop.Site.Id, "page", shop.User.Id, $"?{Day}")).Csv;
        Assert.Equal(1_201, csv.Length);   // the header and every page
        Assert.Equal(1_200, csv.Skip(1).Select(line => line.Split(',')[0]).Distinct().Count());
        // Under a filter (read from the events rather than the rollups) too.
        Assert.Equal(1_201, (await ExportAsync(shop.Site.Id, "page", shop.User.Id, $"?{Day}&f=device:desktop")).Csv.Length);
    }

    private async Task<(int Status, string? Type, string[] Csv)> ExportAsync(long siteId, string dimension, Guid userId, string query)
    {
        var (status, type, body) = await Exports.RunAsync(_app, userId, query, http => TopValuesExport.HandleAsync(siteId, dimension, http,
            _app.Get<SiteRepository>(), _app.Get<TopValues>(), _app.Get<RevenueCurrency>(), TimeProvider.System));
        return (status, type, System.Text.Encoding.UTF8.GetString(body).Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_shared_links_list_stays_on_the_link()
    {
        var shop = await ShopAsync();
        var path = (await _app.Get<SharedLinks>().CreateAsync(shop.Site, shop.User.Id, "Agency")).Path!;
        var token = path[SharedLinks.PathPrefix.Length..];
        await using var ctx = ComponentContext.For(_app, user: null, [.. ComponentContext.HistoryPage, typeof(TopValues), typeof(SharedLinks), typeof(TimeProvider)]);
        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo($"{path}/list/source?{Day}&q=goo&sort=revenue");

        var page = ctx.Render<SharedTopDetailsPage>(p => p.Add(c => c.Token, token).Add(c => c.DimensionKey, "source"));
        page.WaitForAssertion(() => Assert.Equal(["Google", "Google Ads"], page.FindAll(".top-label").Select(l => l.TextContent)));
        Assert.Equal(["100.00", "–"], page.FindAll("[data-testid=value-revenue]").Select(c => c.TextContent));
        Assert.DoesNotContain($"/sites/{shop.Site.Id}", page.Markup);
        page.On("tr[data-value=Google]", e => e.Click());
        page.WaitForAssertion(() => Assert.EndsWith($"{path}?{Day}&f=source%3AGoogle", nav.Uri));

        // Under the goal: each source's conversion rate beside its buyers, as the card shows it.
        nav.NavigateTo($"{path}/list/source?{Day}&f=event%3APurchase");
        var rated = ctx.Render<SharedTopDetailsPage>(p => p.Add(c => c.Token, token).Add(c => c.DimensionKey, "source"));
        rated.WaitForAssertion(() => Assert.Equal(["33.3%", "25%"], rated.FindAll("[data-testid=value-conversion]").Select(c => c.TextContent)));
        Assert.Equal("Filtered: Custom event is Purchase", rated.Find("[data-testid=details-filters]").TextContent.Trim());
    }

    [Fact]
    public async Task A_card_knows_whether_its_list_goes_on_past_the_ten_it_shows()
    {
        // Eleven sources, one visitor each, all from Germany; the first visitor sends ten custom events besides pageviews.
        var shop = await _app.MerchantAsync();
        var events = Enumerable.Range(1, DashboardQueries.ReadLimit)
            .Select(v => TestData.Event(shop.Site.Id, Noon.AddMinutes(v), v, "/") with { Source = $"source{v:00}", Country = "DE" })
            .Concat(Enumerable.Range(1, DashboardQueries.TopLimit).Select(e => TestData.Event(shop.Site.Id, Noon.AddMinutes(1).AddSeconds(e), 1, "/", $"Event{e}") with { Country = "DE" }))
            .Append(TestData.Event(shop.Site.Id, Noon.AddHours(1), 99, "/") with { Country = null })   // a visitor from nowhere known
            .ToArray();
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);

        // From the rollups, and filtered from the table of visits: ten sources shown of eleven; the ten custom events are all.
        foreach (var view in new[] { View(), View("country:DE") })
        {
            var data = await _app.Get<DashboardQueries>().LoadAsync(shop.Site, view, Today);
            Assert.Equal(DashboardQueries.TopLimit, data.Top(DashboardDimensions.Source).Count);
            Assert.True(data.HasMore(DashboardDimensions.Source));
            Assert.Equal(DashboardQueries.TopLimit, data.Top(DashboardDimensions.Event).Count);
            Assert.DoesNotContain(data.Top(DashboardDimensions.Event), r => r.Value == TrackedEvent.Pageview);
            Assert.False(data.HasMore(DashboardDimensions.Event));
            Assert.False(data.HasMore(DashboardDimensions.Country));
            var opened = await _app.Get<DashboardQueries>().TopAsync(shop.Site, view, Today, DashboardDimensions.Source);   // a tab opened later
            Assert.Equal(DashboardQueries.ReadLimit, opened.Count);
        }

        // The country no database knew is listed as "Unknown", and found so: from the rollups, and from the events kept by a page filter.
        Assert.Equal(["=1,0"], await ListAsync(shop, DashboardDimensions.Country, View(), search: "unkn"));
        Assert.Equal(["DE=11,0", "=1,0"], await ListAsync(shop, DashboardDimensions.Country, View("page:/"), search: "n"));
    }
}
