using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static LiveAnalytics.Bench.Stats;

namespace LiveAnalytics.Bench;

/// <summary>The history benchmark's funnels: from the day sketches without filters, from the events under one.</summary>
public static partial class HistoryBench
{
    /// <summary>
    /// A funnel card (product page, add to cart, order) over the last 7 days and over every day: the first view, which reads
    /// the raw events and keeps the closed days' sketches; the views after it; the job making every day from nothing.
    /// </summary>
    private static async Task FunnelAsync(NpgsqlDataSource db, long siteId, DateTimeOffset currentHour, int days, int runs)
    {
        var funnelDays = new FunnelDays(db, TimeProvider.System, NullLogger<FunnelDays>.Instance);
        var funnels = new Funnels(db, new SiteTeam(db), funnelDays, new NoJobs());
        var site = BenchSite(siteId);
        Goal[] steps = [new Goal(1, Goal.Page, "/products/*"), new Goal(2, Goal.Event, "Add to cart"), new Goal(3, Goal.Event, "Order")];
        // The steps as a merchant writes them (the funnels' table holds them so; Goal.Arrays makes the SQL patterns).
        var (kinds, patterns) = (steps.Select(s => s.Kind).ToArray(), steps.Select(s => s.Pattern).ToArray());
        long funnelId;
        await using (var conn = await db.OpenConnectionAsync())
            funnelId = await conn.ExecuteScalarAsync<long>("""
                INSERT INTO funnels (site_id, name, kinds, patterns) VALUES (@siteId, 'Purchase', @kinds, @patterns)
                ON CONFLICT (site_id, name) DO UPDATE SET kinds = excluded.kinds, patterns = excluded.patterns RETURNING id
                """, new { siteId, kinds, patterns });
        var funnel = new Funnel(funnelId, "Purchase", steps);
        async Task ClearAsync()
        {
            await using var conn = await db.OpenConnectionAsync();
            await conn.ExecuteAsync("DELETE FROM funnel_days WHERE funnel_id = @funnelId", new { funnelId });
        }
        var (_, _, lastDay, _) = Dashboard(db, currentHour, days, siteId);
        IReadOnlyList<long> counts = [];
        var firstViews = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            await ClearAsync();
            var clock = System.Diagnostics.Stopwatch.StartNew();   // no warm-up run: it would keep the days
            counts = await funnels.CountAsync(site, funnel, lastDay.AddDays(1 - days), lastDay);
            firstViews.Add(clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"Funnel of 3 steps over {days} days, first view (raw events; closed days kept): p50 {Median(firstViews):F0} ms " +
            $"(runs: {string.Join(" / ", firstViews.Select(t => t.ToString("F0")))}); visitors by step {string.Join(" / ", counts.Select(c => c.ToString("N0")))}");
        foreach (var span in new[] { 7, days }.Distinct())
        {
            var times = await TimeAsync(async () => counts = await funnels.CountAsync(site, funnel, lastDay.AddDays(1 - span), lastDay), runs);
            Console.WriteLine($"  over {span} days after it (kept days + the last two raw): p50 {Median(times):F0} ms " +
                $"(runs: {string.Join(" / ", times.Select(t => t.ToString("F0")))}); visitors by step {string.Join(" / ", counts.Select(c => c.ToString("N0")))}");
        }
        await ClearAsync();
        var job = System.Diagnostics.Stopwatch.StartNew();
        var made = await funnelDays.RunAsync(CancellationToken.None);
        Console.WriteLine($"  the job making all {made} closed days from nothing: {job.Elapsed.TotalMilliseconds:F0} ms");
        // Under a filter on the visits' source: the visits it keeps from the table of visits, and as before from the events.
        var google = StatsFilters.Parse("visit:source==Google").Filter;
        var (visitTimes, rawTimes) = (new List<double>(), new List<double>());
        IReadOnlyList<long> kept = [], settled = [];
        for (var run = 0; run < runs; run++)
        {
            visitTimes.AddRange(await TimeAsync(async () => kept = await funnels.CountAsync(site, funnel, lastDay.AddDays(1 - days), lastDay, google), 1));
            await SetVisitsFromAsync(db, siteId, "now()");
            rawTimes.AddRange(await TimeAsync(async () => settled = await funnels.CountAsync(site, funnel, lastDay.AddDays(1 - days), lastDay, google), 1));
            await SetVisitsFromAsync(db, siteId, "'-infinity'");
        }
        Console.WriteLine($"Funnel of 3 steps over {days} days filtered by source:Google: from the table of visits p50 {Median(visitTimes):F0} ms, " +
            $"from raw events p50 {Median(rawTimes):F0} ms; visitors by step {string.Join(" / ", kept.Select(c => c.ToString("N0")))} / " +
            $"{string.Join(" / ", settled.Select(c => c.ToString("N0")))}");
    }

    /// <summary>The bench stores its funnel itself (not through <see cref="Funnels.AddAsync"/>): nothing enqueues a job.</summary>
    private sealed class NoJobs : Hangfire.IBackgroundJobClient
    {
        public string Create(Hangfire.Common.Job job, Hangfire.States.IState state) => throw new NotSupportedException("The bench enqueues no jobs.");

        public bool ChangeState(string jobId, Hangfire.States.IState state, string expectedState) => throw new NotSupportedException("The bench enqueues no jobs.");
    }
}
