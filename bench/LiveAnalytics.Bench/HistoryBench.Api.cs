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
    /// Side by side, runs interleaved: the events of the period grouped by one dimension (as v2 groups them), by two (a
    /// day and the source; with their visits' source from the table of visits, as the API does, and settled from the
    /// events, as before), by three (country, device, source), and the count of the two's rows (<c>include.total_rows</c>).
    /// </summary>
    private static async Task StatsApiDimensionsAsync(NpgsqlDataSource db, DateTimeOffset currentHour, int days, long siteId, int runs)
    {
        var (zone, firstDay, lastDay, _) = Dashboard(db, currentHour, days, siteId);
        var (raw, site) = (new StatsQueries(db), BenchSite(siteId));
        var (from, to) = StatsPeriod.Days(firstDay, lastDay, zone);
        var rows = new Dictionary<string, long>();
        Func<Task> Grouped(string dimensions, bool count = false, bool fromVisits = true) => async () =>
        {
            using var body = System.Text.Json.JsonDocument.Parse($$"""
                {"site_id": "{{site.Domain}}", "metrics": ["visitors"], "date_range": ["{{firstDay:yyyy-MM-dd}}", "{{lastDay:yyyy-MM-dd}}"], "dimensions": {{dimensions}}}
                """);
            var query = StatsQuery.Read(body.RootElement).Query ?? throw new InvalidOperationException(dimensions);
            var (keys, parameters, needs, _, _, _) = StatsEndpoints.GroupKeys(query, site, StatsRange.Of(firstDay, lastDay, zone));
            rows[dimensions] = count
                ? await raw.CountGroupsAsync(siteId, from, to, keys, needs, parameters, EventFilter.None, fromVisits)
                : (await raw.GroupsAsync(siteId, from, to, keys, needs, parameters, "visitors DESC, k", 100, 0, EventFilter.None, fromVisits)).Count;
        };
        await InterleavedAsync($"Stats API v2 by several dimensions, {days} days", new (string, Func<Task>)[]
        {
            ("visit:source", Grouped("""["visit:source"]""")),
            ("time:day x visit:source, visits settled from the events", Grouped("""["time:day", "visit:source"]""", fromVisits: false)),
            ("time:day x visit:source", Grouped("""["time:day", "visit:source"]""")),
            ("visit:country x visit:device x visit:source", Grouped("""["visit:country", "visit:device", "visit:source"]""")),
            ("total_rows of time:day x visit:source", Grouped("""["time:day", "visit:source"]""", count: true)),
        }, runs);
        Console.WriteLine($"  rows (first page of 100, or the count): {string.Join(", ", rows.Select(r => $"{r.Key} {r.Value}"))}");
    }
}
