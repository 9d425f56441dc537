using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Bench;

/// <summary>The history benchmark's Stats API part: each value's conversion rate in a breakdown, and v2's several dimensions.</summary>
public static partial class HistoryBench
{
    /// <summary>
    /// Side by side, runs interleaved: a breakdown by source under a custom event's filter with another filter, without
    /// and with each value's conversion rate (the values read again under the other filter for the visitors their rates
    /// divide by), and under the event's filter alone (the rates' visitors from the rollups).
    /// </summary>
    private static async Task StatsApiRatesAsync(NpgsqlDataSource db, DateTimeOffset currentHour, int days, long siteId, int runs)
    {
        var (_, firstDay, lastDay, _) = Dashboard(db, currentHour, days, siteId);
        var (raw, rollups, site) = (new StatsQueries(db), new RollupQueries(db), BenchSite(siteId));
        var reader = new StatsReader(raw, rollups, db);
        var goals = new Goals(db, new SiteTeam(db));
        var period = $"{firstDay:yyyy-MM-dd},{lastDay:yyyy-MM-dd}";
        var rows = 0;
        async Task Breakdown(string metrics, string filters)
        {
            var (request, error) = StatsRequest.Read(site, "custom", period, metrics, filters, currentHour);
            var (read, problem) = await StatsEndpoints.BreakdownRowsAsync(site, request ?? throw new InvalidOperationException(error), reader, raw, rollups, goals,
                "visit:source", take: 100, skip: 0);
            rows = read?.Count ?? throw new InvalidOperationException($"refused: {problem}");
        }
        await InterleavedAsync($"Stats API breakdown by source, {days} days", new (string, Func<Task>)[]
        {
            ("event:Order + country:DE", () => Breakdown("visitors", "event:name==Order;visit:country==DE")),
            ("event:Order + country:DE, with each value's rate", () => Breakdown("visitors,conversion_rate", "event:name==Order;visit:country==DE")),
            ("event:Order, with each value's rate (from the rollups)", () => Breakdown("visitors,conversion_rate", "event:name==Order")),
        }, runs);
        Console.WriteLine($"  {rows} sources");
    }

    /// <summary>
    /// Side by side, runs interleaved: a v2 query by one of a visit's dimensions, by two (a day and the source) and by three
    /// (country, device, source), as the API reads them (the table of visits' rows, <see cref="VisitGroups"/>) and as it
    /// read them before (the events grouped, with their visits' columns joined from the table or settled from the events),
    /// and the count of the two's rows (<c>include.total_rows</c>).
    /// </summary>
    private static async Task StatsApiDimensionsAsync(NpgsqlDataSource db, DateTimeOffset currentHour, int days, long siteId, int runs)
    {
        var (zone, firstDay, lastDay, _) = Dashboard(db, currentHour, days, siteId);
        var (raw, site) = (new StatsQueries(db), BenchSite(siteId));
        var (from, to) = StatsPeriod.Days(firstDay, lastDay, zone);
        var rows = new Dictionary<string, long>();
        // how: "visits" counts the table of visits' rows as the API does now; "joined" groups the events with their visits'
        // columns from the table (the API until the twenty-ninth session), "settled" with their visits settled from the events.
        Func<Task> Grouped(string dimensions, bool count = false, string how = "visits") => async () =>
        {
            using var body = System.Text.Json.JsonDocument.Parse($$"""
                {"site_id": "{{site.Domain}}", "metrics": ["visitors"], "date_range": ["{{firstDay:yyyy-MM-dd}}", "{{lastDay:yyyy-MM-dd}}"], "dimensions": {{dimensions}}}
                """);
            var query = StatsQuery.Read(body.RootElement).Query ?? throw new InvalidOperationException(dimensions);
            var (keys, parameters, needs, step, byVisits, _) = StatsEndpoints.GroupKeys(query, site, StatsRange.Of(firstDay, lastDay, zone));
            var grouped = how == "visits" ? StatsEndpoints.Grouped(query, EventFilter.None, covered: true, keys, parameters, needs, step, byVisits)
                : StatsQueries.GroupedBy(keys, needs, EventFilter.None, fromVisits: how == "joined");
            rows[dimensions] = count
                ? await raw.CountGroupsAsync(siteId, from, to, grouped, parameters, EventFilter.None)
                : (await raw.GroupsAsync(siteId, from, to, grouped, parameters, "visitors DESC, k", 100, 0, EventFilter.None)).Count;
        };
        await InterleavedAsync($"Stats API v2 by several dimensions, {days} days", new (string, Func<Task>)[]
        {
            ("visit:source", Grouped("""["visit:source"]""")),
            ("time:day x visit:source, visits settled from the events", Grouped("""["time:day", "visit:source"]""", how: "settled")),
            ("time:day x visit:source, events joined with their visits", Grouped("""["time:day", "visit:source"]""", how: "joined")),
            ("time:day x visit:source", Grouped("""["time:day", "visit:source"]""")),
            ("visit:country x visit:device x visit:source, events joined with their visits", Grouped("""["visit:country", "visit:device", "visit:source"]""", how: "joined")),
            ("visit:country x visit:device x visit:source", Grouped("""["visit:country", "visit:device", "visit:source"]""")),
            ("total_rows of time:day x visit:source, events joined with their visits", Grouped("""["time:day", "visit:source"]""", count: true, how: "joined")),
            ("total_rows of time:day x visit:source", Grouped("""["time:day", "visit:source"]""", count: true)),
        }, runs);
        Console.WriteLine($"  rows (first page of 100, or the count): {string.Join(", ", rows.Select(r => $"{r.Key} {r.Value}"))}");
    }
}
