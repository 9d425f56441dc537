using System.Text.Json;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Dashboard;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>
/// A v2 query's groups of several dimensions: with the visits' columns from the table of visits, as settled from the
/// events; by a visit's own dimensions, from the visits themselves, as the rollups and the one-dimension breakdowns count.
/// </summary>
public sealed class StatsGroupsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Theory]
    [InlineData("""["time:day", "visit:source"]""", "[]")]
    [InlineData("""["visit:country", "visit:entry_page"]""", """[["is", "visit:source", ["Google"]]]""")]
    [InlineData("""["event:page", "visit:city_name", "visit:device"]""", """[["contains", "event:page", ["hats"]]]""")]
    [InlineData("""["visit:exit_page", "event:props:plan"]""", """[["is_not", "visit:region_name", ["Bavaria"]]]""")]
    [InlineData("""["time:hour", "event:name"]""", """[["is", "event:goal", ["Order"]]]""")]
    public async Task The_table_of_visits_groups_as_the_visits_settled_from_the_events_do(string dimensions, string filters)
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        // A period that cuts the shop's three days (and some of its visits) at both ends.
        using var body = JsonDocument.Parse($$"""
            {"site_id": "{{site.Domain}}", "metrics": ["visitors"], "date_range": ["2026-10-25", "2026-10-26"], "dimensions": {{dimensions}}, "filters": {{filters}}}
            """);
        var query = StatsQuery.Read(body.RootElement).Query!;
        var (request, error) = StatsRequest.Read(site, "custom", "2026-10-25,2026-10-26", StatsRequest.SupportedMetrics, query.Clauses, DateTimeOffset.UtcNow);
        Assert.Null(error);
        var (keys, parameters, needs, _, byVisits, problem) = StatsEndpoints.GroupKeys(query, site, request!.Period);
        Assert.Null(problem);
        Assert.True(byVisits && (request!.Filter.IsEmpty || request.Filter.ByVisits), "the table holds what the query reads");

        var queries = _app.Get<StatsQueries>();
        async Task<string[]> Read(bool fromVisits) => [.. (await queries.GroupsAsync(site.Id, request.Period.From, request.Period.To,
                StatsQueries.GroupedBy(keys, needs, request.Filter, fromVisits), parameters, "k", 1000, 0, request.Filter))
            .Select(g => $"{string.Join("|", g.Values)}: {g.Counts with { Seconds = Math.Round(g.Counts.Seconds) }}")];
        var settled = await Read(fromVisits: false);
        Assert.True(settled.Length > 1, "the query keeps some groups");
        Assert.Equal(settled, await Read(fromVisits: true));
        Assert.Equal(settled.Length, await queries.CountGroupsAsync(site.Id, request.Period.From, request.Period.To,
            StatsQueries.GroupedBy(keys, needs, request.Filter, fromVisits: true), parameters, request.Filter));
    }

    /// <summary>Days of the shop in Berlin (its visits cross midnights) read by the visits' own dimensions.</summary>
    private async Task<List<(string[] Values, Counts Counts)>> ByVisitsAsync(Site site, string first, string last, string dimensions, string filters = "[]")
    {
        using var body = JsonDocument.Parse($$"""
            {"site_id": "{{site.Domain}}", "metrics": ["visitors"], "date_range": ["{{first}}", "{{last}}"], "dimensions": {{dimensions}}, "filters": {{filters}}}
            """);
        var query = StatsQuery.Read(body.RootElement).Query!;
        var (request, _) = StatsRequest.Read(site, "custom", $"{first},{last}", StatsRequest.SupportedMetrics, query.Clauses, DateTimeOffset.UtcNow);
        var (keys, parameters, needs, step, byVisits, _) = StatsEndpoints.GroupKeys(query, site, request!.Period);
        var grouped = StatsEndpoints.Grouped(query, request.Filter, covered: true, keys, parameters, needs, step, byVisits);
        Assert.Contains("WITH kept AS", grouped);   // the visits' own read, not the events grouped
        return [.. await _app.Get<StatsQueries>().GroupsAsync(site.Id, request.Period.From, request.Period.To, grouped, parameters, "k", 1000, 0, request.Filter)];
    }

    private static string Text(Counts c) => (c with { Seconds = Math.Round(c.Seconds) }).ToString();

    [Fact]
    public async Task By_day_and_source_each_row_is_that_days_rollup_of_the_source()
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        var rows = await ByVisitsAsync(site, "2026-10-24", "2026-10-27", """["time:day", "visit:source"]""");

        var rollups = _app.Get<RollupQueries>();
        var expected = new List<string>();
        for (var day = new DateOnly(2026, 10, 24); day <= new DateOnly(2026, 10, 27); day = day.AddDays(1))
            foreach (var (value, counts) in await rollups.TopAsync(site.Id, day, day, "source", 100))
                expected.Add($"{day:yyyy-MM-dd}|{(value.Length == 0 ? "Direct / None" : value)}: {Text(counts)}");
        Assert.True(expected.Count > 8, "the shop's days have several sources each");
        Assert.Equal(expected.Order(), rows.Select(r => $"{string.Join("|", r.Values)}: {Text(r.Counts)}").Order());
    }

    [Fact]
    public async Task By_device_and_source_under_a_filter_each_row_is_the_sources_breakdown_under_that_device()
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        // Two of its days: some visits reach over the period's start or end.
        var rows = await ByVisitsAsync(site, "2026-10-25", "2026-10-26", """["visit:device", "visit:source"]""", """[["is", "visit:country", ["DE", "US"]]]""");

        var expected = new List<string>();
        foreach (var device in new[] { "desktop", "mobile" })
        {
            var (request, _) = StatsRequest.Read(site, "custom", "2026-10-25,2026-10-26", "visitors",
                $"visit:country==DE|US;visit:device=={device}", DateTimeOffset.UtcNow);
            var breakdown = await _app.Get<StatsReader>().BreakdownAsync(site.Id, request!.Period, "visit:source", "source", "Direct / None",
                ["visitors"], 100, 0, request.Filter, null);
            expected.AddRange(breakdown.Select(b => $"{device}|{b.Value}: {Text(b.Counts)}"));
        }
        Assert.True(expected.Count > 4, "both devices have several sources");
        Assert.Equal(expected.Order(), rows.Select(r => $"{string.Join("|", r.Values)}: {Text(r.Counts)}").Order());
    }

    [Theory]
    [InlineData("""["time:day", "visit:source"]""")]
    [InlineData("""["visit:device", "visit:source"]""")]
    public async Task Under_an_event_filter_the_rows_add_up_to_its_totals(string dimensions)
    {
        var site = await TestShop.CreateAsync(_app);
        await _app.RollUpAsync(site.Id);
        const string Orders = """[["is", "event:name", ["Order"]]]""";
        var rows = await ByVisitsAsync(site, "2026-10-25", "2026-10-26", dimensions, Orders);

        var (request, _) = StatsRequest.Read(site, "custom", "2026-10-25,2026-10-26", "visitors", "event:name==Order", DateTimeOffset.UtcNow);
        var totals = await _app.Get<StatsReader>().AggregateAsync(site.Id, request!.Period, request.Filter);
        Assert.True(totals is { Events: > 5, Pageviews: 0, Visits: > 5 }, $"{totals}");   // the orders alone count, in the visits that ordered
        var sum = rows.Aggregate(Counts.None, (all, r) => all + r.Counts);
        Assert.Equal((totals.Events, totals.Visits, totals.Bounces, totals.Revenue, Math.Round(totals.Seconds)),
            (sum.Events, sum.Visits, sum.Bounces, sum.Revenue, Math.Round(sum.Seconds)));
    }
}
