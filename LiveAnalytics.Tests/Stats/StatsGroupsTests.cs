using System.Text.Json;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Dashboard;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>A v2 query's groups of several dimensions: with the visits' columns from the table of visits, as settled from the events.</summary>
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
        async Task<string[]> Read(bool fromVisits) => [.. (await queries.GroupsAsync(site.Id, request.Period.From, request.Period.To, keys, needs,
                parameters, "k", 1000, 0, request.Filter, fromVisits))
            .Select(g => $"{string.Join("|", g.Values)}: {g.Counts with { Seconds = Math.Round(g.Counts.Seconds) }}")];
        var settled = await Read(fromVisits: false);
        Assert.True(settled.Length > 1, "the query keeps some groups");
        Assert.Equal(settled, await Read(fromVisits: true));
        Assert.Equal(settled.Length, await queries.CountGroupsAsync(site.Id, request.Period.From, request.Period.To, keys, needs, parameters, request.Filter, fromVisits: true));
    }
}
