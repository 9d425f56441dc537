using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>Funnels: set on the settings card, counted from the stored events (in order, within one visit, in the site's days).</summary>
public sealed class FunnelsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private Funnels Funnels => _app.Get<Funnels>();
    private static readonly DateTimeOffset Oct5 = new(2026, 10, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly (string, string)[] Checkout = [(Goal.Page, "/products/*"), (Goal.Page, "/cart"), (Goal.Page, "/checkout"), (Goal.Event, "Purchase")];

    /// <summary>
    /// Visitor 1 buys; 2 sees the cart before a product; 3 sees a product only; 4 sees a product and, in another visit, the
    /// cart; 5 goes to the cart twice and back; 6 sees a product just before midnight on 4 October and the cart after it.
    /// Visitors 1 and 5 came from Google: as the tracker sends it, only their visits' first events say so.
    /// </summary>
    private async Task<Merchant> ShopAsync(string timezone = "UTC")
    {
        var user = await _app.UserAsync();
        var site = (await _app.Get<SiteRepository>().CreateAsync(user.Id, new NewSite { Domain = TestData.UniqueDomain(), Name = "Hats", Timezone = timezone }))!;
        TrackedEvent At(int minutes, long visitor, string path, string name = TrackedEvent.Pageview, long? session = null) =>
            TestData.Event(site.Id, Oct5.AddMinutes(minutes), visitor, path, name) with { SessionId = session ?? visitor };
        TrackedEvent[] events =
        [
            At(600, 1, "/products/hat") with { Source = "Google" }, At(601, 1, "/cart"), At(602, 1, "/checkout"), At(603, 1, "/checkout", "Purchase"),
            At(1080, 1, "/products/hat", session: 100),
            At(660, 2, "/cart"), At(661, 2, "/products/scarf"),
            At(720, 3, "/products/a"),
            At(780, 4, "/products/b"), At(900, 4, "/cart", session: 40),
            At(840, 5, "/products/c") with { Source = "Google" }, At(841, 5, "/cart"), At(842, 5, "/cart"), At(843, 5, "/products/d"),
            At(-1, 6, "/products/x"), At(1, 6, "/cart"),
        ];
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(site.Id);   // filters on a visit's source read the visits the rollup job keeps
        return new Merchant(user, site);
    }

    private async Task<Funnel> AddAsync(Merchant shop, string name, params (string, string)[] steps)
    {
        Assert.Null(await Funnels.AddAsync(shop.Site, shop.User.Id, name, steps));
        return (await Funnels.ListAsync(shop.Site.Id)).Single(f => f.Name == name);
    }

    [Fact]
    public async Task A_step_counts_the_visitors_who_did_every_step_before_it_in_order_within_one_visit()
    {
        var shop = await ShopAsync();
        var checkout = await AddAsync(shop, "Checkout", Checkout);
        Assert.Equal("Visit /products/* → Visit /cart → Visit /checkout → Purchase", checkout.Path);

        var oct5 = new DateOnly(2026, 10, 5);
        Assert.Equal([5L, 2L, 1L, 1L], await Funnels.CountAsync(shop.Site, checkout, oct5, oct5));
        // With 4 October, visitor 6's visit across midnight counts whole; alone, 4 October has it too: a visit is the day's
        // whose first step was taken that day, with its later steps after midnight.
        Assert.Equal([6L, 3L, 1L, 1L], await Funnels.CountAsync(shop.Site, checkout, oct5.AddDays(-1), oct5));
        Assert.Equal([1L, 1L, 0L, 0L], await Funnels.CountAsync(shop.Site, checkout, oct5.AddDays(-1), oct5.AddDays(-1)));
        Assert.Equal([0L, 0L, 0L, 0L], await Funnels.CountAsync(shop.Site, checkout, oct5.AddDays(1), oct5.AddDays(1)));

        // One event is never two steps: two pages of any kind take two events of one visit (visitors 1, 2 and 5 here;
        // visitor 6's visit began on the 4th).
        var twoPages = await AddAsync(shop, "Two pages", (Goal.Page, "/*"), (Goal.Page, "/*"));
        Assert.Equal([5L, 3L], await Funnels.CountAsync(shop.Site, twoPages, oct5, oct5));
    }

    [Fact]
    public async Task Filters_keep_the_visits_they_match_with_all_their_steps()
    {
        var shop = await ShopAsync();
        var checkout = await AddAsync(shop, "Checkout", Checkout);
        var oct5 = new DateOnly(2026, 10, 5);
        EventFilter Filter(params string[] filters) => DashboardQueries.Filter(filters.Select(f => new DashboardFilter(f[..f.IndexOf(':')], f[(f.IndexOf(':') + 1)..])).ToList());

        // Google's visits, with their later steps (which name no source of their own).
        Assert.Equal([2L, 2L, 1L, 1L], await Funnels.CountAsync(shop.Site, checkout, oct5, oct5, Filter("source:Google")));
        // Direct visits are the others with a product on the day: visitor 1's second visit, 2, 3 and 4 (none saw the cart
        // after it), not the later events of Google's visits (those would make it [5, 2, 1, 1]).
        Assert.Equal([4L, 0L, 0L, 0L], await Funnels.CountAsync(shop.Site, checkout, oct5, oct5, Filter("source:")));
        // A page keeps the visits that saw it.
        Assert.Equal([1L, 1L, 1L, 1L], await Funnels.CountAsync(shop.Site, checkout, oct5, oct5, Filter("page:/checkout")));
        Assert.Equal([1L, 1L, 1L, 1L], await Funnels.CountAsync(shop.Site, checkout, oct5, oct5, Filter("page:/checkout", "source:Google")));
        Assert.Equal([0L, 0L, 0L, 0L], await Funnels.CountAsync(shop.Site, checkout, oct5, oct5, Filter("page:/checkout", "source:")));

        // A filter on a visit's source reads the table of visits: a visit it says came from Google counts (the events say direct).
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE visits SET source = 'Google' WHERE site_id = @Id AND session_id = 3", new { shop.Site.Id });
        Assert.Equal([3L, 2L, 1L, 1L], await Funnels.CountAsync(shop.Site, checkout, oct5, oct5, Filter("source:Google")));
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE visits SET source = NULL WHERE site_id = @Id AND session_id = 3", new { shop.Site.Id });
        // With a page, too: the visit that saw /checkout, said there to come from elsewhere, is not Google's.
        const string Checkouts = "site_id = @Id AND session_id IN (SELECT session_id FROM events WHERE site_id = @Id AND pathname = '/checkout')";
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync($"UPDATE visits SET source = 'Elsewhere' WHERE {Checkouts}", new { shop.Site.Id });
        Assert.Equal([0L, 0L, 0L, 0L], await Funnels.CountAsync(shop.Site, checkout, oct5, oct5, Filter("page:/checkout", "source:Google")));
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync($"UPDATE visits SET source = 'Google' WHERE {Checkouts}", new { shop.Site.Id });

        // The Stats API takes its filters too, and says what is wrong with one.
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await _app.ApiKeyAsync(shop.User.Id));
        var url = $"/api/v1/stats/funnel?site_id={shop.Site.Domain}&period=day&date=2026-10-05&funnel=Checkout";
        var json = await client.GetFromJsonAsync<JsonElement>(url + "&filters=visit:source%3D%3DGoogle");
        Assert.Equal([2L, 2L, 1L, 1L], json.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("visitors").GetInt64()));
        using var bad = await client.GetAsync(url + "&filters=visit:planet%3D%3DMars");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'visit:planet' is not supported", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_days_are_the_sites()
    {
        // Auckland is 13 hours ahead in October: 10:00 UTC on 5 October is 23:00 there, 11:00 is the 6th.
        var shop = await ShopAsync("Pacific/Auckland");
        var funnel = await AddAsync(shop, "Checkout", Checkout);
        var oct5 = new DateOnly(2026, 10, 5);
        // Their 5 October: visitor 1's purchase (before 11:00 UTC) and visitor 6's visit (around midnight UTC).
        Assert.Equal([2L, 2L, 1L, 1L], await Funnels.CountAsync(shop.Site, funnel, oct5, oct5));
        Assert.Equal([5L, 1L, 0L, 0L], await Funnels.CountAsync(shop.Site, funnel, oct5.AddDays(1), oct5.AddDays(1)));
    }

    [Fact]
    public async Task The_stats_api_reads_a_funnel_by_name_for_the_sites_members()
    {
        var shop = await ShopAsync();
        await AddAsync(shop, "Checkout", Checkout);
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await _app.ApiKeyAsync(shop.User.Id));
        var url = $"/api/v1/stats/funnel?site_id={shop.Site.Domain}&period=day&date=2026-10-05";

        var json = await client.GetFromJsonAsync<JsonElement>(url + "&funnel=Checkout");
        Assert.Equal("Checkout", json.GetProperty("funnel").GetString());
        Assert.Equal([(1, "page", "/products/*", 5L, 100.0, 0L), (2, "page", "/cart", 2L, 40.0, 3L), (3, "page", "/checkout", 1L, 20.0, 1L), (4, "event", "Purchase", 1L, 20.0, 0L)],
            json.GetProperty("results").EnumerateArray().Select(r => (r.GetProperty("step").GetInt32(), r.GetProperty("kind").GetString(), r.GetProperty("value").GetString(),
                r.GetProperty("visitors").GetInt64(), r.GetProperty("conversion_rate").GetDouble(), r.GetProperty("dropped").GetInt64())));

        using var unknown = await client.GetAsync(url + "&funnel=%3Cscript%3E");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("has no funnel named '<script>'; it has: Checkout.", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        using var none = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Contains("'funnel' is required", await none.Content.ReadAsStringAsync());
        using var badPeriod = await client.GetAsync($"/api/v1/stats/funnel?site_id={shop.Site.Domain}&funnel=Checkout&period=forever");
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod.StatusCode);

        var stranger = await _app.MerchantAsync();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await _app.ApiKeyAsync(stranger.User.Id));
        using var refused = await client.GetAsync(url + "&funnel=Checkout");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Theory]
    [InlineData("", 2, "Name the funnel")]
    [InlineData("Checkout", 1, "2 to 8 steps; this one has 1")]
    [InlineData("Checkout", 9, "2 to 8 steps; this one has 9")]
    [InlineData("Checkout", -1, "Step 2: A page goal is a path starting with /")]
    public async Task A_funnel_that_is_not_valid_is_refused_with_a_reason(string name, int steps, string reason)
    {
        var shop = await _app.MerchantAsync();
        IReadOnlyList<(string, string)> given = steps == -1 ? [(Goal.Page, "/"), (Goal.Page, "cart")] : Enumerable.Repeat((Goal.Page, "/"), steps).ToList();
        Assert.Contains(reason, await Funnels.AddAsync(shop.Site, shop.User.Id, name, given));
        Assert.Empty(await Funnels.ListAsync(shop.Site.Id));
    }

    [Fact]
    public async Task Names_are_unique_a_site_and_only_owners_and_admins_change_them()
    {
        var shop = await _app.MerchantAsync();
        var funnel = await AddAsync(shop, "Checkout", (Goal.Page, "/cart"), (Goal.Event, "Purchase"));
        Assert.Equal("A funnel named 'Checkout' exists already.", await Funnels.AddAsync(shop.Site, shop.User.Id, " Checkout ", [(Goal.Page, "/"), (Goal.Page, "/cart")]));

        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        Assert.Equal(SiteTeam.SettingsRefused, await Funnels.AddAsync(shop.Site, viewer.Id, "Sign-up", [(Goal.Page, "/"), (Goal.Event, "Signup")]));
        Assert.Equal(SiteTeam.SettingsRefused, await Funnels.RemoveAsync(shop.Site, viewer.Id, funnel.Id));
        // Another site's owner cannot remove it by its id either.
        var other = await _app.MerchantAsync();
        Assert.Equal(SiteTeam.SettingsRefused, await Funnels.RemoveAsync(shop.Site, other.User.Id, funnel.Id));
        Assert.Null(await Funnels.RemoveAsync(other.Site, other.User.Id, funnel.Id));
        Assert.Single(await Funnels.ListAsync(shop.Site.Id));

        Assert.Null(await Funnels.RemoveAsync(shop.Site, shop.User.Id, funnel.Id));
        Assert.Empty(await Funnels.ListAsync(shop.Site.Id));
    }

    [Fact]
    public async Task The_settings_card_adds_and_removes_a_funnel_and_the_dashboard_card_shows_its_steps()
    {
        var shop = await ShopAsync();
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(Funnels));

        var settings = ctx.Render<FunnelsSettingsCard>(p => p.Add(c => c.Site, shop.Site));
        settings.WaitForElement("[data-testid=funnel-add]");
        settings.On("input[data-testid=funnel-name]", e => e.Input("Checkout"));
        foreach (var steps in (int[])[3, 4])
        {
            settings.On("[data-testid=funnel-add-step]", e => e.Click());
            settings.WaitForAssertion(() => Assert.Equal(steps, settings.FindAll("input[data-testid=funnel-step-pattern]").Count));
        }
        var patterns = settings.FindAll("input[data-testid=funnel-step-pattern]");
        foreach (var (input, value) in patterns.Zip(["/products/*", "cart", "/checkout", "Purchase"])) input.Input(value);
        settings.FindAll("[data-testid=funnel-step-kind]")[3].Change(Goal.Event);
        settings.On("[data-testid=funnel-add]", e => e.Click());
        settings.WaitForAssertion(() => Assert.Contains("Step 2: A page goal is a path starting with /", settings.Find("[data-testid=funnel-error]").TextContent));
        settings.FindAll("input[data-testid=funnel-step-pattern]")[1].Input("/cart");
        settings.On("[data-testid=funnel-add]", e => e.Click());
        settings.WaitForAssertion(() => Assert.Contains("Checkout: Visit /products/* → Visit /cart → Visit /checkout → Purchase",
            settings.Find("[data-testid=funnel-list]").TextContent));
        Assert.Equal(Checkout.Select(s => s.Item2), (await Funnels.ListAsync(shop.Site.Id)).Single().Steps.Select(s => s.Pattern));

        var oct5 = new DateOnly(2026, 10, 5);
        var card = ctx.Render<FunnelCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.First, oct5).Add(c => c.Last, oct5));
        card.WaitForElement("[data-testid=funnel-steps]");
        var rows = card.FindAll("[data-testid=funnel-steps] tbody tr").Select(r => r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToArray()).ToList();
        Assert.Equal(["1. Visit /products/*", "5", "", ""], rows[0]);
        Assert.Equal(["2. Visit /cart", "2", "40%", "3"], rows[1]);
        Assert.Equal(["4. Purchase", "1", "20%", "0"], rows[3]);
        Assert.DoesNotContain("filters above", card.Markup);
        Assert.DoesNotContain("raw events", card.Markup);
        // The page read again (new events of the period, rolled up): the card counts again, in place.
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(shop.Site.Id, Oct5.AddHours(20), 7, "/products/new")], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        string[] Visitors(IRenderedComponent<FunnelCard> c) => c.FindAll("[data-testid=funnel-steps] tbody tr").Select(r => r.QuerySelectorAll("td")[1].TextContent.Trim()).ToArray();
        card.Render(p => p.Add(c => c.Filters, []));   // any render of the page but its refresh reads nothing
        Assert.Equal("5", Visitors(card)[0]);
        card.Render(p => p.Add(c => c.Refreshes, 1));
        card.WaitForAssertion(() => Assert.Equal(["6", "2", "1", "1"], Visitors(card)));
        // Compared with 4 October (visitor 6's visit, product and cart): each step's change beside it, good news green.
        var compared = ctx.Render<FunnelCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.First, oct5).Add(c => c.Last, oct5)
            .Add(c => c.PreviousFirst, oct5.AddDays(-1)).Add(c => c.PreviousLast, oct5.AddDays(-1)).Add(c => c.ComparedWith, "a day before"));
        compared.WaitForElement("[data-testid=funnel-steps]");
        var changes = compared.FindAll("[data-testid=funnel-steps] tbody tr").Select(r => r.QuerySelectorAll("[data-testid=change]")
            .Select(c => (c.TextContent, c.GetAttribute("title"), c.ClassList.Contains("metric-better"))).Single()).ToList();
        Assert.Equal([("↑ 500%", "1 a day before", true), ("↓ 66.7 pts", "100% a day before", false),   // 1 → 6 visitors; 2 of 6 against 1 of 1
            ("↑ 16.7 pts", "0% a day before", true), ("↑ 16.7 pts", "0% a day before", true)], changes);
        Assert.Empty(card.FindAll("[data-testid=change]"));   // not comparing: no changes
        // A period reaching back past the site's raw-event retention says which days count short.
        var kept = ctx.Render<FunnelCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.First, oct5).Add(c => c.Last, oct5)
            .Add(c => c.IncompleteUntil, oct5).Add(c => c.KeepEventsDays, 30));
        kept.WaitForElement("[data-testid=funnel-steps]");
        Assert.Contains("keeps its raw events for 30 days: up to 5 Oct 2026 the funnel counts only the days it had counted before their raw events went", kept.Markup);
        // Under the dashboard's filters it counts the visits they keep, and says so.
        var google = ctx.Render<FunnelCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.First, oct5).Add(c => c.Last, oct5)
            .Add(c => c.Filters, [new DashboardFilter("source", "Google")]).Add(c => c.IncompleteUntil, oct5).Add(c => c.KeepEventsDays, 30));
        google.WaitForElement("[data-testid=funnel-steps]");
        Assert.Equal(["2", "2", "1", "1"], Visitors(google));
        Assert.Contains("Only the visits that match the filters above count.", google.Markup);
        Assert.Contains("keeps its raw events for 30 days: up to 5 Oct 2026 funnel numbers are incomplete", google.Markup);

        settings.On("[data-testid=funnel-remove]", e => e.Click());
        settings.WaitForAssertion(() => Assert.Empty(settings.FindAll("[data-funnel]")));
        Assert.Empty(await Funnels.ListAsync(shop.Site.Id));
        var none = ctx.Render<FunnelCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.First, oct5).Add(c => c.Last, oct5).Add(c => c.Filters, [new DashboardFilter("source", "Google")]));
        none.WaitForElement("[data-testid=funnels-none]");
    }
}
