using Dapper;
using System.IO.Compression;
using System.Security.Claims;
using Bunit;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Dashboard.Pages;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>The dashboard against stored events: rollups without filters, raw events with them, the page and its export.</summary>
public sealed class DashboardQueriesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateTimeOffset Oct5 = new(2026, 10, 5, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Three days of a UTC shop. Visitors 1-6 on 5 October: 1-3 from Google in Germany (1 orders for 40.00),
    /// 4-5 from Bing in Germany, 6 direct from France; visitor 7 on 4 October (the day before). Pageviews:
    /// visitors 1, 4 and 6 see two pages, the others bounce. As the tracker sends them, only a visit's first event
    /// names its source: the later ones came from the store's own pages.
    /// </summary>
    private async Task<Merchant> ShopAsync()
    {
        var merchant = await _app.MerchantAsync();
        var id = merchant.Site.Id;
        var events = new List<TrackedEvent>();
        for (var v = 1; v <= 6; v++)
        {
            var at = Oct5.AddHours(9 + v);
            var (source, country) = v <= 3 ? ("Google", "DE") : v <= 5 ? ("Bing", "DE") : ((string?)null, "FR");
            events.Add(TestData.Event(id, at, v, "/") with { Source = source, Country = country, Browser = "Firefox" });
            if (v is 1 or 4 or 6) events.Add(TestData.Event(id, at.AddMinutes(2), v, v == 6 ? "=HYPERLINK(\"http://x\")" : "/hats") with { Country = country });
        }
        events.Add(TestData.Event(id, Oct5.AddHours(10).AddMinutes(3), 1, "/checkout", "Order") with
        {
            Country = "DE", RevenueAmount = 40m, RevenueCurrency = "EUR",
        });
        events.Add(TestData.Event(id, Oct5.AddDays(-1).AddHours(12), 7, "/") with { Source = "Google", Country = "DE" });
        await _app.Get<EventWriter>().WriteAsync([.. events], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(id);
        return merchant;
    }

    private static DashboardView View(params string[] filters) =>
        DashboardView.Parse("custom", "2026-10-05", "2026-10-05", "previous", filters, null).View;

    [Fact]
    public async Task Without_filters_the_view_comes_from_the_rollups()
    {
        var shop = await ShopAsync();
        var data = await _app.Get<DashboardQueries>().LoadAsync(shop.Site, View(), new DateOnly(2026, 11, 28));

        Assert.True(data.FromRollups);
        Assert.Equal(new Counts(6, 9, 10, 6, 3, 180 + 120 + 120, 40m), data.Totals);
        Assert.Equal(1, data.Previous!.Visitors);   // 4 October
        Assert.Equal(24, data.Series.Count);         // one day: by hour
        Assert.Equal(1, data.Series[10].Current.Visits);
        Assert.Equal(1, data.Series[12].Previous!.Visitors);   // the same hour the day before
        Assert.Equal([("Google", 3L), ("Bing", 2L), ("", 1L)], data.Top(DashboardDimensions.Source).Select(r => (r.Value, r.Counts.Visitors)));
        Assert.Equal([("Order", 1L, 40m)], data.Top(DashboardDimensions.Event).Select(r => (r.Value, r.Counts.Visitors, r.Counts.Revenue)));
        Assert.Equal(["/", "/hats", "=HYPERLINK(\"http://x\")"], data.Top(DashboardDimensions.ExitPage).Select(r => r.Value).Order(StringComparer.Ordinal));
        // Exits and all the page's views, for its exit rate: three of the six views of "/" ended a visit, both of "/hats".
        Assert.Equal([("/", 3L, 6L), ("/hats", 2L, 2L)],
            data.Top(DashboardDimensions.ExitPage).Where(r => r.Value.StartsWith('/')).Select(r => (r.Value, r.Counts.Visits, r.PagePageviews!.Value)).OrderBy(r => r.Item1, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Under_filters_on_a_visit_the_exit_pages_rates_are_of_the_visits_kept_from_either_source()
    {
        var shop = await ShopAsync();
        var queries = _app.Get<DashboardQueries>();
        var today = new DateOnly(2026, 11, 28);
        static (string, long, long?)[] Rates(IEnumerable<TopRow> rows) =>
            [.. rows.Where(r => r.Value.StartsWith('/')).Select(r => (r.Value, r.Counts.Visits, r.PagePageviews)).OrderBy(r => r.Value, StringComparer.Ordinal)];

        // Google's visitors 1-3 viewed "/" three times and left from it twice (2, 3); 1 left from /hats, its one view there.
        Assert.Equal([("/", 2L, 3L), ("/hats", 1L, 1L)], Rates(await queries.TopAsync(shop.Site, View("source:Google"), today, DashboardDimensions.ExitPage)));
        // Germany's (1-5), with the page's lists: "/" five views, three exits; both views of /hats exits.
        var german = await queries.LoadAsync(shop.Site, View("country:DE"), today, [DashboardDimensions.ExitPage]);
        Assert.True(german.FromVisits);
        Assert.Equal([("/", 3L, 5L), ("/hats", 2L, 2L)], Rates(german.Top(DashboardDimensions.ExitPage)));
        // Under a condition on events the visits count only such events: no base for a rate.
        Assert.All(await queries.TopAsync(shop.Site, View("page:/hats"), today, DashboardDimensions.ExitPage), r => Assert.Null(r.PagePageviews));

        // The same from the raw events, when the table of visits does not reach back to the period.
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE sites SET visits_from = now() WHERE id = @Id", new { shop.Site.Id });
        var raw = await queries.LoadAsync(shop.Site, View("country:DE"), today, [DashboardDimensions.ExitPage]);
        Assert.False(raw.FromVisits);
        Assert.Equal([("/", 3L, 5L), ("/hats", 2L, 2L)], Rates(raw.Top(DashboardDimensions.ExitPage)));
    }

    [Fact]
    public async Task The_pages_list_says_how_long_their_views_were_looked_at_and_how_far_down_they_were_read()
    {
        var shop = await ShopAsync();
        var id = shop.Site.Id;
        // Visitor 1 reads "/" in two sittings (20 s, then 10 s more and 40 points deeper); visitor 4 for 10 s, a fifth of
        // it; "/hats" reports nothing. Visitor 7's report, on 4 October, is outside the view.
        await _app.Get<EventWriter>().WriteAsync([
            TestData.Engagement(id, Oct5.AddHours(10).AddMinutes(1), 1) with { Engagement = new(20_000, 60, First: true) },
            TestData.Engagement(id, Oct5.AddHours(10).AddMinutes(5), 1) with { Engagement = new(10_000, 40, First: false) },
            TestData.Engagement(id, Oct5.AddHours(13).AddMinutes(1), 4) with { Engagement = new(10_000, 20, First: true) },
            TestData.Engagement(id, Oct5.AddDays(-1).AddHours(12), 7) with { Engagement = new(99_000, 100, First: true) },
        ], mayBeRedelivered: false, CancellationToken.None);

        var pages = (await _app.Get<DashboardQueries>().LoadAsync(shop.Site, View(), new DateOnly(2026, 11, 28))).Top(DashboardDimensions.Page);
        var home = pages.Single(r => r.Value == "/").Engagement!;
        Assert.Equal(new PageEngagement(2, 40_000, 120), home);
        Assert.Equal((20L, 60), (home.AverageSeconds, home.AverageScroll));
        Assert.Null(pages.Single(r => r.Value == "/hats").Engagement);
        // The reports are not events: the totals are the events' alone.
        Assert.Equal(10, (await _app.Get<DashboardQueries>().LoadAsync(shop.Site, View(), new DateOnly(2026, 11, 28))).Totals.Events);

        // Under filters, the reports of the visits they keep: Bing's (visitor 4), in the list as loaded and as a tab read later.
        var bing = await _app.Get<DashboardQueries>().LoadAsync(shop.Site, View("source:Bing"), new DateOnly(2026, 11, 28));
        Assert.False(bing.FromRollups);
        Assert.Equal(new PageEngagement(1, 10_000, 20), bing.Top(DashboardDimensions.Page).Single(r => r.Value == "/").Engagement);
        var tab = await _app.Get<DashboardQueries>().TopAsync(shop.Site, View("source:Google"), new DateOnly(2026, 11, 28), DashboardDimensions.Page);
        Assert.Equal(new PageEngagement(1, 30_000, 100), tab.Single(r => r.Value == "/").Engagement);
        Assert.Null(tab.Single(r => r.Value == "/hats").Engagement);
    }

    [Fact]
    public async Task Filters_combine_and_read_the_raw_events_with_the_same_rules()
    {
        var shop = await ShopAsync();
        var queries = _app.Get<DashboardQueries>();

        var germany = await queries.LoadAsync(shop.Site, View("country:DE"), new DateOnly(2026, 11, 28));
        Assert.False(germany.FromRollups);
        Assert.Equal(5, germany.Totals.Visitors);
        Assert.Equal(1, germany.Previous!.Visitors);

        var googleInGermany = await queries.LoadAsync(shop.Site, View("country:DE", "source:Google"), new DateOnly(2026, 11, 28));
        Assert.Equal(new Counts(3, 4, 5, 3, 2, 180, 40m), googleInGermany.Totals);
        Assert.Equal([("Google", 3L)], googleInGermany.Top(DashboardDimensions.Source).Select(r => (r.Value, r.Counts.Visitors)));
        // Entry and exit pages are the visits' own, from their first and last pageviews.
        Assert.Equal([("/", 3L)], googleInGermany.Top(DashboardDimensions.EntryPage).Select(r => (r.Value, r.Counts.Visitors)));
        Assert.Equal([("/", 2L), ("/hats", 1L)], googleInGermany.Top(DashboardDimensions.ExitPage).Select(r => (r.Value, r.Counts.Visits)));
        var landedOnHome = await queries.LoadAsync(shop.Site, View("entry_page:/", "exit_page:/hats"), new DateOnly(2026, 11, 28));
        Assert.Equal((2L, 4L), (landedOnHome.Totals.Visitors, landedOnHome.Totals.Pageviews));   // visitors 1 and 4, each home then hats

        var direct = await queries.LoadAsync(shop.Site, View("source:"), new DateOnly(2026, 11, 28));   // '' is "Direct / None"
        Assert.Equal(1, direct.Totals.Visitors);
        Assert.Equal("FR", direct.Top(DashboardDimensions.Country).Single().Value);

        // Without filters the rollups give the same totals as the raw path over everything.
        var all = await queries.LoadAsync(shop.Site, View(), new DateOnly(2026, 11, 28));
        var raw = await _app.Get<StatsQueries>().AggregateAsync(shop.Site.Id, Oct5, Oct5.AddDays(1));
        Assert.Equal(raw, all.Totals);
    }

    [Fact]
    public async Task Goals_count_unique_conversions_from_rollups_and_under_filters()
    {
        var shop = await ShopAsync();
        var goals = _app.Get<Goals>();
        foreach (var (kind, pattern) in new[] { (Goal.Event, "Order"), (Goal.Page, "/hats"), (Goal.Page, "/*"), (Goal.Event, "Refund") })
            Assert.Null(await goals.AddAsync(shop.Site, shop.User.Id, kind, pattern));
        var queries = _app.Get<DashboardQueries>();

        var all = await queries.LoadAsync(shop.Site, View(), new DateOnly(2026, 11, 28));
        Assert.Equal([("Order", 1L, 1L, 40m), ("Refund", 0L, 0L, 0m), ("Visit /*", 6L, 8L, 0m), ("Visit /hats", 2L, 2L, 0m)],
            all.Goals.Select(g => (g.Goal.Label, g.Counts.Visitors, g.Goal.Kind == Goal.Page ? g.Counts.Pageviews : g.Counts.Events, g.Counts.Revenue)));
        // "/*" is every page but the one a visitor named "=HYPERLINK(…)"; the order on /checkout makes its visitor count, not its revenue.

        var google = await queries.LoadAsync(shop.Site, View("source:Google"), new DateOnly(2026, 11, 28));
        Assert.Equal([1L, 0L, 3L, 1L], google.Goals.Select(g => g.Counts.Visitors));
    }

    [Fact]
    public async Task A_custom_events_filter_reads_the_visitors_its_conversion_rate_divides_by()
    {
        var shop = await ShopAsync();
        var queries = _app.Get<DashboardQueries>();
        var today = new DateOnly(2026, 11, 28);

        var orders = await queries.LoadAsync(shop.Site, View("event:Order"), today);
        Assert.Equal((1L, 1L, 40m), (orders.Totals.Visitors, orders.Totals.Events, orders.Totals.Revenue));
        Assert.Equal((6L, 1L), (orders.AllVisitors, orders.PreviousAllVisitors));   // every visitor of the day; visitor 7 the day before
        // Each value's visitors too, for its own rate: Google's three (one bought), Germany's five.
        Assert.Equal([("Google", 1L, 3L)], orders.Top(DashboardDimensions.Source).Select(r => (r.Value, r.Counts.Visitors, r.AllVisitors!.Value)));
        Assert.Equal([("DE", 1L, 5L)], orders.Top(DashboardDimensions.Country).Select(r => (r.Value, r.Counts.Visitors, r.AllVisitors!.Value)));
        Assert.Equal(orders.Top(DashboardDimensions.Source), await queries.TopAsync(shop.Site, View("event:Order"), today, DashboardDimensions.Source));   // a tab opened later
        Assert.All(orders.Top(DashboardDimensions.Event), r => Assert.Null(r.AllVisitors));
        // Under the other filters: Google's visitors that day.
        var google = await queries.LoadAsync(shop.Site, View("event:Order", "source:Google"), today);
        Assert.Equal(3L, google.AllVisitors);
        // Each value's visitors among the visits the other filters keep: Google's three Germans, one of whom bought.
        Assert.Equal([("DE", 1L, 3L)], google.Top(DashboardDimensions.Country).Select(r => (r.Value, r.Counts.Visitors, r.AllVisitors!.Value)));
        Assert.Equal([("Google", 1L, 3L)], google.Top(DashboardDimensions.Source).Select(r => (r.Value, r.Counts.Visitors, r.AllVisitors!.Value)));
        Assert.Equal(google.Top(DashboardDimensions.Country), await queries.TopAsync(shop.Site, View("event:Order", "source:Google"), today, DashboardDimensions.Country));
        Assert.Equal(2L, (await queries.LoadAsync(shop.Site, View("event:Order", "source:Bing"), today)).AllVisitors);
        Assert.Null((await queries.LoadAsync(shop.Site, View("source:Google"), today)).AllVisitors);

        // A goal, clicked on the goals card: a page goal's events on its pages (visitors 1 and 4 saw /hats), an event
        // goal's by name.
        var hats = await queries.LoadAsync(shop.Site, View("goal:Visit /ha*"), today);
        Assert.Equal((2L, 2L, 2L, 6L), (hats.Totals.Visitors, hats.Totals.Pageviews, hats.Totals.Events, hats.AllVisitors!.Value));
        Assert.Equal(["/hats"], hats.Top(DashboardDimensions.Page).Select(r => r.Value));
        var ordered = await queries.LoadAsync(shop.Site, View("goal:Order", "country:DE"), today);
        Assert.Equal((1L, 40m, 5L), (ordered.Totals.Visitors, ordered.Totals.Revenue, ordered.AllVisitors!.Value));   // of Germany's five
        // Germany's visitors from Google (1-3) and from Bing (4, 5); the page of the order, /checkout, seen by its buyer alone.
        Assert.Equal([("Google", 1L, 3L)], ordered.Top(DashboardDimensions.Source).Select(r => (r.Value, r.Counts.Visitors, r.AllVisitors!.Value)));
        Assert.Equal([("/checkout", 1L, 1L)], ordered.Top(DashboardDimensions.Page).Select(r => (r.Value, r.Counts.Visitors, r.AllVisitors!.Value)));

        // The same from the raw events, when the table of visits does not reach back to the period.
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE sites SET visits_from = now() WHERE id = @Id", new { shop.Site.Id });
        var raw = await queries.LoadAsync(shop.Site, View("goal:Order", "country:DE"), today);
        Assert.False(raw.FromVisits);
        Assert.Equal([("Google", 1L, 3L)], raw.Top(DashboardDimensions.Source).Select(r => (r.Value, r.Counts.Visitors, r.AllVisitors!.Value)));
        Assert.Equal([("DE", 1L, 5L)], raw.Top(DashboardDimensions.Country).Select(r => (r.Value, r.Counts.Visitors, r.AllVisitors!.Value)));
    }

    [Fact]
    public async Task Goals_are_set_and_removed_on_the_settings_card()
    {
        var shop = await _app.MerchantAsync();
        await using var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddSingleton(_app.Get<Goals>());
        ctx.SignIn(shop.User);
        var card = ctx.Render<GoalsSettingsCard>(p => p.Add(c => c.Site, shop.Site));
        card.WaitForElement("[data-testid=goal-add]");   // the form shows once the goals are read

        card.On("[data-testid=goal-kind]", e => e.Change(Goal.Page));
        card.On("input", e => e.Input("thank-you"));
        card.On("[data-testid=goal-add]", e => e.Click());
        card.WaitForAssertion(() => Assert.Contains("starting with /", card.Markup));

        card.On("input", e => e.Input("/thank-you"));
        card.On("[data-testid=goal-add]", e => e.Click());
        card.WaitForAssertion(() => Assert.Contains("Visit /thank-you", card.Find("[data-testid=goal-list]").TextContent));
        Assert.Equal([new Goal(0, Goal.Page, "/thank-you") with { Id = (await _app.Get<Goals>().ListAsync(shop.Site.Id))[0].Id }],
            await _app.Get<Goals>().ListAsync(shop.Site.Id));

        card.On(".mud-chip-close-button", e => e.Click());
        card.WaitForAssertion(() => Assert.Empty(card.FindAll(".mud-chip")));
        Assert.Empty(await _app.Get<Goals>().ListAsync(shop.Site.Id));
    }

    [Theory]
    [InlineData("page", "thank-you", "starting with /")]
    [InlineData("page", "", "starting with /")]
    [InlineData("event", "  ", "1 to 120")]
    [InlineData("event", "Sign\nup", "control")]
    [InlineData("visit", "/", "Unknown kind")]
    public async Task A_goal_that_is_not_valid_is_refused_with_a_reason(string kind, string pattern, string reason)
    {
        var shop = await _app.MerchantAsync();
        Assert.Contains(reason, await _app.Get<Goals>().AddAsync(shop.Site, shop.User.Id, kind, pattern));
        Assert.Empty(await _app.Get<Goals>().ListAsync(shop.Site.Id));
    }

    [Fact]
    public async Task The_export_is_a_zip_of_the_views_tables_for_members_only()
    {
        var shop = await ShopAsync();
        var stranger = await _app.UserAsync();

        var (status, _) = await ExportAsync(shop.Site.Id, stranger.Id, "?period=custom&from=2026-10-05&to=2026-10-05");
        Assert.Equal(StatusCodes.Status404NotFound, status);
        (status, _) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=fortnight");
        Assert.Equal(StatusCodes.Status400BadRequest, status);
        (status, _) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=7d&f=page:/a%00");   // PostgreSQL would refuse the NUL
        Assert.Equal(StatusCodes.Status400BadRequest, status);

        (status, var body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05&compare=previous&f=country:DE");
        Assert.Equal(StatusCodes.Status200OK, status);
        using var zip = new ZipArchive(new MemoryStream(body));
        Assert.Contains("totals.csv", zip.Entries.Select(e => e.Name));
        Assert.Contains("timeseries.csv", zip.Entries.Select(e => e.Name));
        var totals = Read(zip, "totals.csv");
        Assert.Equal("metric,value,previous", totals[0]);
        Assert.Contains("visitors,5,1", totals);
        Assert.Contains("revenue,40.00,0.00", totals);
        Assert.Equal(25, Read(zip, "timeseries.csv").Length);   // header and 24 hours

        // One view of "/" reported 45 s on screen, read 80 % down.
        await _app.Get<EventWriter>().WriteAsync([TestData.Engagement(shop.Site.Id, Oct5.AddHours(10).AddMinutes(1), 1) with { Engagement = new(45_000, 80, First: true) }],
            mayBeRedelivered: false, CancellationToken.None);
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05");
        using var all = new ZipArchive(new MemoryStream(body));
        var pages = Read(all, "page.csv");
        // Exit pages with their views and exit rate: three of the six views of "/" ended a visit.
        Assert.EndsWith(",revenue,page_pageviews,exit_rate", Read(all, "exit_page.csv")[0]);
        Assert.Contains(Read(all, "exit_page.csv"), line => line.StartsWith("/,") && line.EndsWith(",6,50"));
        Assert.EndsWith(",revenue,time_on_page,scroll_depth", pages[0]);
        Assert.Contains(pages, line => line.StartsWith("/,") && line.EndsWith(",45,80"));
        // A page a visitor named like a formula is written so that a spreadsheet shows it as text; none of its views reported
        // engagement; a page has no visits of its own, so no visit columns (a 0 there would read as "no visits").
        Assert.Contains("\"'=HYPERLINK(\"\"http://x\"\")\",1,,1,,,,1,0.00,,", pages);
        Assert.All(Read(all, "source.csv").Skip(1), line => Assert.DoesNotContain(",,", line));   // a visit's own dimension has them all

        // The goals and funnels, as the page shows them, of the visits the view's filters keep.
        Assert.Null(await _app.Get<Goals>().AddAsync(shop.Site, shop.User.Id, Goal.Event, "Order"));
        Assert.Null(await _app.Get<Funnels>().AddAsync(shop.Site, shop.User.Id, "Hats", [(Goal.Page, "/"), (Goal.Page, "/hats")]));
        Assert.Null(await _app.Get<Annotations>().AddAsync(shop.Site, shop.User.Id, new DateOnly(2026, 10, 5), "=Sale, \"50%\" off"));
        Assert.Null(await _app.Get<Annotations>().AddAsync(shop.Site, shop.User.Id, new DateOnly(2026, 10, 6), "Next day"));
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05&f=country:DE");
        using var converted = new ZipArchive(new MemoryStream(body));
        Assert.Equal(["goal,kind,value,uniques,total,conversion_rate,revenue", "Order,event,Order,1,1,20,40.00"], Read(converted, "goals.csv"));
        // Visitors 1-5 (from Germany; 6 is French) on "/"; 1 and 4 went on to /hats: 40 %.
        Assert.Equal(["funnel,step,kind,value,visitors,of_first,dropped", "Hats,1,page,/,5,100,0", "Hats,2,page,/hats,2,40,3"], Read(converted, "funnels.csv"));
        // Filtered by country, a filter on the visit: the exit pages' rates of Germany's visits (three of five views of "/").
        Assert.EndsWith(",page_pageviews,exit_rate", Read(converted, "exit_page.csv")[0]);
        Assert.Contains(Read(converted, "exit_page.csv"), line => line.StartsWith("/,") && line.EndsWith(",5,60"));
        // The period's annotations (not the next day's), written as text.
        Assert.Equal(["date,annotation,author", $"2026-10-05,\"'=Sale, \"\"50%\"\" off\",{shop.User.Email}"], Read(converted, "annotations.csv"));
        // Filtered by the custom event Order, as the page shows it: the one buyer's share of the day's six visitors (none
        // of the one the day before).
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05&compare=previous&f=event:Order");
        using var orders = new ZipArchive(new MemoryStream(body));
        Assert.Contains("conversion_rate,16.7,0", Read(orders, "totals.csv"));
        Assert.Contains("average_revenue,40.00,0.00", Read(orders, "totals.csv"));   // the one order's worth; none the day before
        Assert.EndsWith(",revenue,conversion_rate", Read(orders, "source.csv")[0]);
        Assert.EndsWith(",33.3", Read(orders, "source.csv")[1]);   // Google's: one of its three visitors bought
        Assert.Equal(["goal,kind,value,uniques,total,conversion_rate,revenue", "Order,event,Order,1,1,16.7,40.00"], Read(orders, "goals.csv"));

        // With a revenue currency set, the revenue columns say which, as the page does.
        Assert.Null(await _app.Get<RevenueCurrency>().SetAsync(shop.Site, shop.User.Id, "EUR"));
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05");
        using var priced = new ZipArchive(new MemoryStream(body));
        Assert.Contains("revenue (EUR),40.00", Read(priced, "totals.csv"));
        (_, body) = await ExportAsync(shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05&f=event:Order");
        using var pricedOrders = new ZipArchive(new MemoryStream(body));
        Assert.Contains("average_revenue (EUR),40.00", Read(pricedOrders, "totals.csv"));
        Assert.EndsWith(",revenue (EUR)", Read(priced, "timeseries.csv")[0]);
        Assert.EndsWith(",revenue (EUR),time_on_page,scroll_depth", Read(priced, "page.csv")[0]);
        Assert.EndsWith(",revenue (EUR)", Read(priced, "goals.csv")[0]);
    }

    [Fact]
    public async Task The_page_shows_the_view_and_a_click_puts_the_filter_in_the_url()
    {
        var shop = await ShopAsync();
        await using var ctx = ComponentContext.For(_app, null, [.. ComponentContext.HistoryPage, typeof(LiveAnalytics.Live.EventHub)]);
        ctx.Services.AddSingleton(TimeProvider.System);
        var auth = ctx.SignIn(shop.User);

        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo($"/sites/{shop.Site.Id}/history?period=custom&from=2026-10-05&to=2026-10-05&compare=previous");
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForAssertion(() => Assert.Equal("6", page.Find("[data-testid=metric-visitors]").TextContent));
        Assert.Equal("↑ 500%", page.Find("[data-testid=change-visitors]").TextContent);
        Assert.Contains("5 Oct 2026 vs 4 Oct 2026", page.Find("[data-testid=range]").TextContent);
        Assert.StartsWith("Up to date", page.Find("[data-testid=freshness]").TextContent);
        Assert.Contains("export?period=custom&from=2026-10-05&to=2026-10-05&compare=previous", page.Find("[data-testid=export]").GetAttribute("href"));
        page.WaitForElement("[data-testid=funnels-none]");   // the funnel card, with none set

        // The click navigates: the URL now carries the filter, and the page reloads with it.
        page.On("[data-testid=top-source] tr[data-value=Google]", e => e.Click());
        page.WaitForAssertion(() => Assert.EndsWith($"/sites/{shop.Site.Id}/history?period=custom&from=2026-10-05&to=2026-10-05&compare=previous&f=source%3AGoogle", nav.Uri));
        var filtered = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        filtered.WaitForAssertion(() => Assert.Equal("3", filtered.Find("[data-testid=metric-visitors]").TextContent));
        Assert.Contains("Source is Google", filtered.Find("[data-testid=filters]").TextContent);
        // Filtered by a visit's source: read from the table of visits the rollup job keeps, as fresh as the rollups.
        Assert.Equal("Up to date with the stored events, within seconds.", filtered.Find("[data-testid=freshness]").TextContent);

        // Kept 30 days, October's raw events are past it (the retention job has not run here: they are still there).
        Assert.Null(await _app.Get<EventRetention>().SetAsync(shop.Site, shop.User.Id, 30));
        var kept = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        kept.WaitForAssertion(() => Assert.Contains("keeps its raw events for 30 days: filtered numbers up to",
            kept.Find("[data-testid=freshness]").TextContent));

        // With a revenue currency set, the figures say which.
        Assert.Null(await _app.Get<RevenueCurrency>().SetAsync(shop.Site, shop.User.Id, "EUR"));
        var priced = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        priced.WaitForAssertion(() => Assert.Contains("Revenue (EUR)", priced.Find("[data-testid=metrics]").TextContent));
        Assert.Contains("Revenue (EUR)", priced.Find("[data-testid=top-event] thead").TextContent);

        nav.NavigateTo($"/sites/{shop.Site.Id}/history?period=custom&from=2026-09-01&to=2026-09-02");
        var empty = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        empty.WaitForAssertion(() => Assert.Equal("No visits in this period", empty.Find("[data-testid=history-empty] h2").TextContent));

        var stranger = await _app.UserAsync();
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, stranger.Id.ToString()));
        var hidden = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        hidden.WaitForAssertion(() => Assert.Empty(hidden.FindAll("[data-testid=metrics]")));
        Assert.DoesNotContain(shop.Site.Domain, hidden.Markup);
    }

    [Fact]
    public async Task A_view_that_runs_to_today_reads_again_after_the_sites_events_arrive()
    {
        var shop = await ShopAsync();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Oct5.AddHours(18));   // the evening of the shop's day
        using var hub = new LiveAnalytics.Live.EventHub(clock);
        await using var ctx = ComponentContext.For(_app, shop.User, ComponentContext.HistoryPage);
        ctx.Services.AddSingleton<TimeProvider>(clock);
        ctx.Services.AddSingleton(hub);
        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo($"/sites/{shop.Site.Id}/history?period=today");
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForAssertion(() => Assert.Equal("6", page.Find("[data-testid=metric-visitors]").TextContent));

        // Two more visitors, stored and rolled up; their events reach the hub as they arrive.
        var late = new[] { TestData.Event(shop.Site.Id, Oct5.AddHours(17), 8, "/"), TestData.Event(shop.Site.Id, Oct5.AddHours(17), 9, "/") };
        await _app.Get<EventWriter>().WriteAsync(late, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        // Meanwhile a teammate annotates the day: it shows with the figures read again.
        Assert.Null(await _app.Get<Annotations>().AddAsync(shop.Site, shop.User.Id, new DateOnly(2026, 10, 5), "Flash sale"));
        foreach (var e in late) hub.Publish(new LiveAnalytics.Live.LiveEvent("", e with { Timestamp = clock.GetUtcNow() }));
        clock.Advance(RollupRefresh.Unfiltered - TimeSpan.FromSeconds(1));
        Assert.Equal("6", page.Find("[data-testid=metric-visitors]").TextContent);   // not before the rollup job has had its time
        Assert.Empty(page.FindAll("[data-testid=annotation]"));
        clock.Advance(TimeSpan.FromSeconds(1));
        page.WaitForAssertion(() => Assert.Equal("8", page.Find("[data-testid=metric-visitors]").TextContent));
        page.WaitForAssertion(() => Assert.Contains("Flash sale", page.Find("[data-testid=annotation]").TextContent));

        // A view of past days is not read again.
        nav.NavigateTo($"/sites/{shop.Site.Id}/history?period=custom&from=2026-10-04&to=2026-10-04");
        var past = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        past.WaitForAssertion(() => Assert.Equal("1", past.Find("[data-testid=metric-visitors]").TextContent));
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(shop.Site.Id, Oct5.AddDays(-1).AddHours(13), 10, "/")], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        hub.Publish(new LiveAnalytics.Live.LiveEvent("", late[0] with { Timestamp = clock.GetUtcNow() }));
        clock.Advance(RollupRefresh.Filtered);
        await Task.Delay(200);
        Assert.Equal("1", past.Find("[data-testid=metric-visitors]").TextContent);
    }

    private Task<(int Status, byte[] Body)> ExportAsync(long siteId, Guid userId, string query) => Exports.RunAsync(_app, siteId, userId, query);

    private static string[] Read(ZipArchive zip, string name) => Exports.Read(zip, name);
}
