using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Bench;

/// <summary>The history benchmark's Stats API part: each value's conversion rate in a breakdown.</summary>
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
}
