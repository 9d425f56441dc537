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

/// <summary>Custom properties on the history dashboard: their names and values in a period, as a filter, and the card.</summary>
public sealed class CustomPropertiesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private CustomProperties Properties => _app.Get<CustomProperties>();
    private static readonly DateTimeOffset Oct5 = new(2026, 10, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly Day = new(2026, 10, 5);

    /// <summary>
    /// 5 October: visitors 1-3 sign up (1 and 2 on "pro", from Google; 3 on "free", direct), visitor 1 twice; visitor 2 also
    /// orders for 30.00 with a coupon; visitor 4 only looks. A value a visitor chose is markup. Only a visit's first
    /// event names its source, as the tracker sends them.
    /// </summary>
    private async Task<Merchant> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        TrackedEvent At(int minutes, long visitor, string path, string name = TrackedEvent.Pageview) =>
            TestData.Event(shop.Site.Id, Oct5.AddHours(10).AddMinutes(minutes), visitor, path, name);
        TrackedEvent[] events =
        [
            At(0, 1, "/") with { Source = "Google" }, At(1, 1, "/signup", "Signup") with { Props = """{"plan":"pro","step":"2"}""" },
            At(2, 1, "/signup", "Signup") with { Props = """{"plan":"pro"}""" },
            At(10, 2, "/") with { Source = "Google" }, At(11, 2, "/signup", "Signup") with { Props = """{"plan":"pro"}""" },
            At(12, 2, "/checkout", "Order") with { Props = """{"coupon":"<b>AUTUMN</b>"}""", RevenueAmount = 30m, RevenueCurrency = "EUR" },
            At(20, 3, "/"), At(21, 3, "/signup", "Signup") with { Props = """{"plan":"free"}""" },
            At(30, 4, "/"),
        ];
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        return shop;
    }

    private static EventFilter Filter(params string[] filters) =>
        DashboardQueries.Filter(DashboardView.Parse("custom", "2026-10-05", "2026-10-05", null, filters, null).View.Filters);

    [Fact]
    public async Task Names_and_values_are_read_from_the_periods_events_under_the_filters()
    {
        var shop = await ShopAsync();

        // The most used first.
        Assert.Equal(["plan", "coupon", "step"], await Properties.NamesAsync(shop.Site, Day, Day, EventFilter.None));
        Assert.Empty(await Properties.NamesAsync(shop.Site, Day.AddDays(1), Day.AddDays(1), EventFilter.None));
        Assert.Equal(["plan"], await Properties.NamesAsync(shop.Site, Day, Day, Filter("source:")));   // visitor 3's direct visit

        var plans = await Properties.ValuesAsync(shop.Site, Day, Day, "plan", EventFilter.None, 10);
        Assert.Equal([("pro", 2L, 3L), ("free", 1L, 1L)], plans.Select(r => (r.Value, r.Counts.Visitors, r.Counts.Events)));
        var coupons = await Properties.ValuesAsync(shop.Site, Day, Day, "coupon", EventFilter.None, 10);
        Assert.Equal([("<b>AUTUMN</b>", 1L, 30m)], coupons.Select(r => (r.Value, r.Counts.Visitors, r.Counts.Revenue)));
        // Google's visits, their sign-ups included (which name no source of their own).
        var fromGoogle = await Properties.ValuesAsync(shop.Site, Day, Day, "plan", Filter("source:Google"), 10);
        Assert.Equal([("pro", 2L)], fromGoogle.Select(r => (r.Value, r.Counts.Visitors)));

        // A filter on a visit's source reads the table of visits: a visit it says came from Google counts (the events say direct).
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE visits SET source = 'Google' WHERE site_id = @Id AND session_id = 3", new { shop.Site.Id });
        fromGoogle = await Properties.ValuesAsync(shop.Site, Day, Day, "plan", Filter("source:Google"), 10);
        Assert.Equal([("pro", 2L), ("free", 1L)], fromGoogle.Select(r => (r.Value, r.Counts.Visitors)));
        Assert.Empty(await Properties.NamesAsync(shop.Site, Day, Day, Filter("source:")));

        // So does a filter on the events' own columns: the events that meet it, of the visits the table holds.
        async Task<IEnumerable<(string, long, long)>> SignupsAsync() =>
            (await Properties.ValuesAsync(shop.Site, Day, Day, "plan", Filter("event:Signup"), 10)).Select(r => (r.Value, r.Counts.Visitors, r.Counts.Events));
        Assert.Equal([("pro", 2L, 3L), ("free", 1L, 1L)], await SignupsAsync());
        Assert.Equal(["coupon"], await Properties.NamesAsync(shop.Site, Day, Day, Filter("page:/checkout")));
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("DELETE FROM visits WHERE site_id = @Id AND session_id = 3", new { shop.Site.Id });
        Assert.Equal([("pro", 2L, 3L)], await SignupsAsync());
    }

    [Fact]
    public async Task The_export_has_every_names_values_under_the_views_filters()
    {
        var shop = await ShopAsync();
        var (status, body) = await Exports.RunAsync(_app, shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05");
        Assert.Equal(200, status);
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(body));
        // Names in order, each one's values by visitors; the share is of the period's 4 visitors.
        Assert.Equal(["property,value,visitors,events,conversion_rate,revenue", "coupon,<b>AUTUMN</b>,1,1,25,30.00",
            "plan,pro,2,3,50,0.00", "plan,free,1,1,25,0.00", "step,2,1,1,25,0.00"], Exports.Read(zip, "properties.csv"));

        // Direct visits only (3 and 4): of 2 visitors.
        (_, body) = await Exports.RunAsync(_app, shop.Site.Id, shop.User.Id, "?period=custom&from=2026-10-05&to=2026-10-05&f=source:");
        using var direct = new System.IO.Compression.ZipArchive(new MemoryStream(body));
        Assert.Equal(["property,value,visitors,events,conversion_rate,revenue", "plan,free,1,1,50,0.00"], Exports.Read(direct, "properties.csv"));
    }

    [Fact]
    public async Task A_value_filters_the_dashboard_through_the_url()
    {
        var shop = await ShopAsync();
        var (view, error) = DashboardView.Parse("custom", "2026-10-05", "2026-10-05", null, ["prop:plan:pro", "prop:coupon:<b>AUTUMN</b>"], null);
        Assert.Null(error);
        Assert.Equal([new DashboardFilter("prop:plan", "pro"), new DashboardFilter("prop:coupon", "<b>AUTUMN</b>")], view.Filters);
        Assert.Equal(["prop:plan:pro", "prop:coupon:<b>AUTUMN</b>"], (string[])view.ToQuery()["f"]!);
        // A value may hold colons; a name cannot (it ends at the first), and must be there.
        Assert.Equal("https://x.example/a", DashboardView.Parse(null, null, null, null, ["prop:url:https://x.example/a"], null).View.Filters.Single().Value);
        Assert.Contains("prop:NAME", DashboardView.Parse(null, null, null, null, ["prop::pro"], null).Error);

        var queries = _app.Get<DashboardQueries>();
        var pro = await queries.LoadAsync(shop.Site, DashboardView.Parse("custom", "2026-10-05", "2026-10-05", null, ["prop:plan:pro"], null).View, Day);
        Assert.Equal((2L, 3L), (pro.Totals.Visitors, pro.Totals.Events));
        // '' is the events without the property: every pageview, and visitor 2's order.
        var without = await queries.LoadAsync(shop.Site, DashboardView.Parse("custom", "2026-10-05", "2026-10-05", null, ["prop:plan:"], null).View, Day);
        Assert.Equal((4L, 5L), (without.Totals.Visitors, without.Totals.Events));
    }

    [Fact]
    public async Task The_card_lists_a_names_values_and_a_click_adds_the_filter()
    {
        var shop = await ShopAsync();
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(CustomProperties));
        var data = await _app.Get<DashboardQueries>().LoadAsync(shop.Site, DashboardView.Parse("custom", "2026-10-05", "2026-10-05", null, [], null).View, Day);
        DashboardFilter? clicked = null;
        var card = ctx.Render<PropertiesCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.Data, data)
            .Add(c => c.OnFilter, (DashboardFilter f) => clicked = f));

        card.WaitForElement("[data-testid=property-values]");
        Assert.Equal(["plan", "coupon", "step"], card.FindAll("[data-testid=property-select] option").Select(o => o.TextContent));
        var rows = card.FindAll("[data-testid=property-values] tbody tr").Select(r => r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToArray()).ToList();
        Assert.Equal(["pro", "2", "3", "50%"], rows[0]);   // 2 of the day's 4 visitors
        Assert.Equal(["free", "1", "1", "25%"], rows[1]);
        // Awaited: the card's last render may still hold the renderer's thread, and a plain Click() returns before the handler ran.
        await card.Find("[data-testid=property-values] tr[data-value=pro]").ClickAsync(new());
        Assert.Equal(new DashboardFilter("prop:plan", "pro"), clicked);

        card.On("[data-testid=property-select]", e => e.Change("coupon"));
        card.WaitForAssertion(() => Assert.Equal("<b>AUTUMN</b>", card.Find("[data-testid=property-values] tbody .top-label").TextContent));
        Assert.Contains("&lt;b&gt;AUTUMN&lt;/b&gt;", card.Markup);   // shown as text, never as markup
        Assert.Contains("30.00", card.Find("[data-testid=property-values] tbody tr").TextContent);

        // The page read again (a new coupon of the day, rolled up): the card reads again, in place; other renders read nothing.
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(shop.Site.Id, Oct5.AddHours(15), 5, "/checkout", "Order") with { Props = """{"coupon":"WINTER"}""" }],
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        string[] Coupons() => card.FindAll("[data-testid=property-values] tbody .top-label").Select(l => l.TextContent).ToArray();
        card.Render(p => p.Add(c => c.Filters, []));
        Assert.Equal(["<b>AUTUMN</b>"], Coupons());
        card.Render(p => p.Add(c => c.Refreshes, 1));
        card.WaitForAssertion(() => Assert.Equal(["<b>AUTUMN</b>", "WINTER"], Coupons()));

        var quiet = await _app.Get<DashboardQueries>().LoadAsync(shop.Site, DashboardView.Parse("custom", "2026-10-06", "2026-10-06", null, [], null).View, Day);
        var none = ctx.Render<PropertiesCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.Data, quiet));
        none.WaitForElement("[data-testid=properties-none]");
    }
}
