using Bunit;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Npgsql;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>The dashboard against stored events: rollups without filters, raw events with them, the page and its export.</summary>
public sealed partial class DashboardQueriesTests(AppFixture fixture) : IClassFixture<AppFixture>
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
}
