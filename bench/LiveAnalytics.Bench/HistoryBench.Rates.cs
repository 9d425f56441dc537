using System.Diagnostics;
using LiveAnalytics.Dashboard;
using Npgsql;
using static LiveAnalytics.Bench.Stats;

namespace LiveAnalytics.Bench;

/// <summary>The history benchmark's rates under filters: each value's conversion rate and the exit pages' exit rates.</summary>
public static partial class HistoryBench
{
    /// <summary>
    /// Side by side, runs interleaved, from the table of visits: the page as it opens under a custom event's filter with
    /// another filter (each rated list's values read again for the visitors their rates divide by) beside the same page
    /// under each filter alone; the exit pages' tab under a filter on the visit (its pages' views in the kept visits read
    /// for the exit rates) beside the pages' tab.
    /// </summary>
    private static async Task RatesUnderFiltersAsync(NpgsqlDataSource db, DateTimeOffset currentHour, int days, long siteId, int runs)
    {
        var (_, firstDay, lastDay, _) = Dashboard(db, currentHour, days, siteId);
        var (queries, site) = (Queries(db), BenchSite(siteId));
        Task<DashboardData> Page(params string[] filters) => queries.LoadAsync(site, View(firstDay, lastDay, filters), lastDay, DashboardDimensions.ShownFirst);
        Task<IReadOnlyList<TopRow>> Tab(DashboardDimension tab) => queries.TopAsync(site, View(firstDay, lastDay, ["country:DE"]), lastDay, tab);
        DashboardData? converted = null;
        IReadOnlyList<TopRow> exits = [];
        var timed = new (string Label, Func<Task> Read)[]
        {
            ("page, country:DE", () => Page("country:DE")),
            ("page, event:Order", () => Page("event:Order")),
            ("page, event:Order + country:DE, with each value's rate", async () => converted = await Page("event:Order", "country:DE")),
            ("pages tab, country:DE", () => Tab(DashboardDimensions.Page)),
            ("exit pages tab, country:DE, with exit rates", async () => exits = await Tab(DashboardDimensions.ExitPage)),
        };
        await InterleavedAsync($"Rates under filters, {days} days, from the table of visits", timed, runs);
        var source = converted!.Top(DashboardDimensions.Source)[0];
        Console.WriteLine($"  top source of the German orders: {source.Value}, {source.Counts.Visitors:N0} of its {source.AllVisitors:N0} German visitors");
        var exit = exits[0];
        Console.WriteLine($"  top exit page of German visits: {exit.Value}, {exit.Counts.Visits:N0} exits of {exit.PagePageviews:N0} views");
    }

    /// <summary>Times each read <paramref name="runs"/> times, the reads interleaved (each run goes through them all, so
    /// that the noisy machine's slow spells spread over them) after one warm run each, and prints their medians.</summary>
    private static async Task InterleavedAsync(string title, IReadOnlyList<(string Label, Func<Task> Read)> timed, int runs)
    {
        var times = timed.ToDictionary(t => t.Label, _ => new List<double>());
        foreach (var (_, read) in timed) await read();   // warm: plans, caches
        for (var run = 0; run < runs; run++)
            foreach (var (label, read) in timed)
            {
                var clock = Stopwatch.StartNew();
                await read();
                times[label].Add(clock.Elapsed.TotalMilliseconds);
            }
        Console.WriteLine($"{title} (runs interleaved):");
        foreach (var (label, _) in timed)
            Console.WriteLine($"  {label}: p50 {Median(times[label]):F0} ms (runs: {string.Join(" / ", times[label].Select(t => t.ToString("F0")))})");
    }
}
