using System.Diagnostics;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;
using static LiveAnalytics.Bench.Stats;

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
        async Task<int> Breakdown(string metrics, string filters)
        {
            var (request, error) = StatsRequest.Read(site, "custom", period, metrics, filters, currentHour);
            var (rows, problem) = await StatsEndpoints.BreakdownRowsAsync(site, request ?? throw new InvalidOperationException(error), reader, raw, rollups, goals,
                "visit:source", take: 100, skip: 0);
            return rows?.Count ?? throw new InvalidOperationException($"refused: {problem}");
        }
        var timed = new (string Label, Func<Task<int>> Read)[]
        {
            ("event:Order + country:DE", () => Breakdown("visitors", "event:name==Order;visit:country==DE")),
            ("event:Order + country:DE, with each value's rate", () => Breakdown("visitors,conversion_rate", "event:name==Order;visit:country==DE")),
            ("event:Order, with each value's rate (from the rollups)", () => Breakdown("visitors,conversion_rate", "event:name==Order")),
        };
        var times = timed.ToDictionary(t => t.Label, _ => new List<double>());
        foreach (var (_, read) in timed) await read();   // warm: plans, caches
        var rows = 0;
        for (var run = 0; run < runs; run++)
            foreach (var (label, read) in timed)
            {
                var clock = Stopwatch.StartNew();
                rows = await read();
                times[label].Add(clock.Elapsed.TotalMilliseconds);
            }
        Console.WriteLine($"Stats API breakdown by source, {days} days, {rows} sources (runs interleaved):");
        foreach (var (label, _) in timed)
            Console.WriteLine($"  {label}: p50 {Median(times[label]):F0} ms (runs: {string.Join(" / ", times[label].Select(t => t.ToString("F0")))})");
    }
}
