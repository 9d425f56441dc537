using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>
/// The filtered dashboard's one pass (<see cref="RawDashboard"/>) against the Stats API's queries, card by card, on a shop
/// of varied visits: the same totals, chart and top lists, under filters on an event's own column, on a visit's
/// attribution and on its entry page.
/// </summary>
public sealed class RawDashboardTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private Task<Site> ShopAsync() => TestShop.CreateAsync(_app);

    [Theory]
    [InlineData("day", "country:DE")]
    [InlineData("day", "source:Google")]
    [InlineData("hour", "entry_page:/hats")]
    [InlineData("day", "page:/cart", "device:desktop")]
    [InlineData("day", "source:Google", "page:/cart")]     // the visit's first event and the event kept: two different events
    [InlineData("hour", "source:", "country:FR")]
    [InlineData("week", "country:DE")]
    [InlineData("day", "channel:Email", "page:/cart")]
    [InlineData("day", "city:Munich", "page:/cart")]                       // Saturday to Tuesday: two weeks from their Mondays
    public async Task One_pass_counts_what_the_card_by_card_queries_count(string interval, params string[] filters)
    {
        var site = await ShopAsync();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
        var (from, to) = interval == "hour" ? (new DateTimeOffset(2026, 10, 25, 22, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 26, 23, 0, 0, TimeSpan.Zero))
            : (new DateTimeOffset(2026, 10, 24, 22, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 28, 0, 0, 0, TimeSpan.Zero));
        var filter = DashboardQueries.Filter(DashboardView.Parse(null, null, null, null, filters, null).View.Filters);
        var lists = DashboardDimensions.All;

        var one = await RawDashboard.LoadAsync(_app.Get<NpgsqlDataSource>(), site.Id, zone, from, to, interval, filter, lists, limit: 5);
        // The visits left out before they are settled (PeriodEvents) are only ones the filter could not keep.
        var unnarrowed = filter with { EventSql = "", AttributionSql = "" };
        Assert.Equivalent(await RawDashboard.LoadAsync(_app.Get<NpgsqlDataSource>(), site.Id, zone, from, to, interval, unnarrowed, lists, limit: 5), one, strict: true);

        var q = _app.Get<StatsQueries>();
        Assert.True(one.Totals.Events > 0, "the filter keeps some events");
        Assert.Equal(await q.AggregateAsync(site.Id, from, to, filter), one.Totals);
        Assert.Equal(await q.TimeseriesAsync(site.Id, site.Timezone, from, to, interval, filter), one.Series);
        foreach (var d in lists)
        {
            var rows = await q.BreakdownAsync(site.Id, from, to, d.Column, "", d == DashboardDimensions.ExitPage ? "visits" : "visitors", 5, 0, filter);
            Assert.Equal(rows.Select(r => new TopRow(r.Value, r.Counts)), one.Tops[d.Key]);
        }
    }

    [Theory]
    [InlineData("visit:source==Google;event:page==/cart")]
    [InlineData("visit:source!=Google;event:page!=/cart")]
    [InlineData("visit:source==Bing|Newsletter;visit:country==DE;event:name==Order")]
    public async Task Stats_api_filters_count_the_same_with_visits_left_out_before_they_are_settled(string filters)
    {
        var site = await ShopAsync();
        var (from, to) = (new DateTimeOffset(2026, 10, 24, 22, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 28, 0, 0, 0, TimeSpan.Zero));
        var (filter, error) = StatsFilters.Parse(filters);
        Assert.Null(error);
        var q = _app.Get<StatsQueries>();
        var narrowed = await q.BreakdownAsync(site.Id, from, to, "source", "", "visitors", 20, 0, filter);
        Assert.NotEmpty(narrowed);
        Assert.Equal(await q.BreakdownAsync(site.Id, from, to, "source", "", "visitors", 20, 0, filter with { EventSql = "", AttributionSql = "" }), narrowed);
    }

    [Fact]
    public void The_charts_buckets_are_the_sites_local_ones_empty_or_not()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        // 25 October 2026 in Berlin: 25 hours (summer time ends at 03:00, and 02:00 comes twice as one wall-clock hour).
        var hours = RawDashboard.Buckets(new(2026, 10, 24, 22, 0, 0, TimeSpan.Zero), new(2026, 10, 25, 23, 0, 0, TimeSpan.Zero), berlin, "hour").ToList();
        Assert.Equal(24, hours.Count);   // as PostgreSQL's series of local hours: one bucket for both 02:00s
        Assert.Equal(new DateTime(2026, 10, 25, 0, 0, 0), hours[0]);
        Assert.Equal(new DateTime(2026, 10, 25, 23, 0, 0), hours[^1]);
        var months = RawDashboard.Buckets(new(2026, 1, 14, 0, 0, 0, TimeSpan.Zero), new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc, "month").ToList();
        Assert.Equal([new DateTime(2026, 1, 1), new DateTime(2026, 2, 1), new DateTime(2026, 3, 1)], months);
    }
}
