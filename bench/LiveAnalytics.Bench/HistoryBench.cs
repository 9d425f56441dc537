using System.Diagnostics;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Persistence;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using static LiveAnalytics.Bench.Stats;

namespace LiveAnalytics.Bench;

/// <summary>
/// History benchmark (issue 5): loads events over many days for one site with binary COPY, rolls
/// them up, times the dashboard's queries from the rollups and the same figures from raw events,
/// and times the rollup of a full current hour at 1,000 events/s.
/// </summary>
public static partial class HistoryBench
{
    private const string Timezone = "Europe/Berlin";

    public static async Task RunAsync(Func<string, string, string> arg)
    {
        var total = long.Parse(arg("events", "10000000"));
        var days = int.Parse(arg("days", "90"));
        var runs = int.Parse(arg("runs", "5"));
        var only = arg("only", "");   // "history" or "live": one half of the benchmark; "dashboard" or "dimensions": reads of the last run's data
        var liveMinutes = int.Parse(arg("live-minutes", "60"));
        var liveEvery = int.Parse(arg("live-every", "10"));   // seconds of events between rollup runs
        await using var db = NpgsqlDataSource.Create(arg("pg", ""));
        await new Migrator(db, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None);
        long siteId;
        await using (var conn = await db.OpenConnectionAsync())
            siteId = only is "dashboard" or "dimensions"   // again on what a previous run loaded and rolled up
                ? await conn.ExecuteScalarAsync<long>("SELECT id FROM sites WHERE domain = 'history-bench.example'")
                : await conn.ExecuteScalarAsync<long>(
                    "INSERT INTO sites (domain, name, timezone) VALUES ('history-bench.example', 'History bench', @Timezone) RETURNING id", new { Timezone });

        Console.WriteLine($"{Machine()}; PostgreSQL 15 with fsync on, on the same cores");
        var now = DateTimeOffset.UtcNow;
        var currentHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var start = currentHour.AddDays(-days);
        // Every batch at once (never a busy site's wait): this bench times the rollup's runs themselves.
        var job = new RollupJob(db, TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(new PersistenceOptions { RollupBusyEvents = int.MaxValue }), NullLogger<RollupJob>.Instance);
        if (only == "dimensions")   // the Stats API v2's groups alone
        {
            await StatsApiDimensionsAsync(db, currentHour, days, siteId, runs);
            return;
        }
        if (only == "dashboard")
        {
            var (_, _, _, load) = Dashboard(db, currentHour, days, siteId);
            var times = await TimeAsync(() => load(DashboardDimensions.ShownFirst), runs * 2 + 1);
            var shown = await load(null);
            Console.WriteLine($"  it shows {shown.Totals.Visitors:N0} visitors, {shown.Totals.Pageviews:N0} pageviews; top page {shown.Top(DashboardDimensions.Page)[0].Value} " +
                $"({shown.Top(DashboardDimensions.Page)[0].Counts.Visitors:N0} visitors); all 13 lists: {shown.Tops.Sum(t => t.Value.Count)} rows");
            Console.WriteLine($"Dashboard, {days} days, from rollups (the page as it opens): p50 {Median(times):F1} ms (runs: {string.Join(" / ", times.Select(t => t.ToString("F1")))})");
            var all = await TimeAsync(() => load(null), runs * 2 + 1);
            Console.WriteLine($"  with all 13 top lists (what the export reads): p50 {Median(all):F1} ms");
            await FillVisitsAsync(db, job, siteId);
            await FilteredAsync(db, currentHour, days, siteId, runs);
            await RatesUnderFiltersAsync(db, currentHour, days, siteId, runs);
            await StatsApiRatesAsync(db, currentHour, days, siteId, runs);
            await StatsApiDimensionsAsync(db, currentHour, days, siteId, runs);
            await FunnelAsync(db, siteId, currentHour, days, runs);
            await PropertiesAsync(db, siteId, currentHour, days, runs);
            await TopValuesAsync(db, currentHour, days, siteId, runs);
            return;
        }
        if (only != "live") await HistoryAsync(db, job, siteId, start, currentHour, total, days, runs);
        if (only == "history") return;

        // The current hour at 1,000 events/s, stored as the flush job stores it (a numbered batch per flush,
        // noted for the incremental rollup), with the rollup job running after every 10 seconds of events.
        var (events, runTimes) = await LiveHourAsync(db, job, siteId, currentHour, perSecond: 1_000, everySeconds: liveEvery, minutes: liveMinutes);
        var lastTen = runTimes.Skip(Math.Max(0, runTimes.Count - 600 / liveEvery)).ToList();
        Console.WriteLine($"Current hour at 1,000 events/s ({events:N0} events over {liveMinutes} minutes, rolled up every {liveEvery} s, {runTimes.Count} runs): " +
            $"p50 {Median(runTimes):F3} s, p95 {Percentile(runTimes, 0.95):F3} s, max {runTimes.Max():F3} s per run; " +
            $"last 10 minutes p50 {Median(lastTen):F3} s, max {lastTen.Max():F3} s");
    }

    private static async Task HistoryAsync(NpgsqlDataSource db, RollupJob job, long siteId, DateTimeOffset start, DateTimeOffset currentHour,
        long total, int days, int runs)
    {
        var clock = Stopwatch.StartNew();
        var loaded = await LoadAsync(db, siteId, start, currentHour, total, seed: 1);
        Console.WriteLine($"Loaded {loaded:N0} events over {days} days by binary COPY in {clock.Elapsed.TotalSeconds:F0} s ({loaded / clock.Elapsed.TotalSeconds:N0} rows/s)");
        await using (var conn = await db.OpenConnectionAsync())
        {
            await MarkAsync(conn, siteId, start, currentHour);
            await conn.ExecuteAsync("VACUUM ANALYZE events");
        }

        clock.Restart();
        var hours = await job.RunAsync();
        var rollupSeconds = clock.Elapsed.TotalSeconds;
        long rows;
        await using (var conn = await db.OpenConnectionAsync())
        {
            rows = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM rollup_hours WHERE site_id = @siteId", new { siteId });
            await conn.ExecuteAsync("VACUUM ANALYZE rollup_hours");
        }
        Console.WriteLine($"Rollup of all history: {hours:N0} hours, {rows:N0} rollup rows, in {rollupSeconds:F1} s = {loaded / rollupSeconds:N0} events/s");

        var (zone, firstDay, lastDay, load) = Dashboard(db, currentHour, days, siteId);
        var rollups = new RollupQueries(db);
        var raw = new StatsQueries(db);
        var from = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), zone.GetUtcOffset(firstDay.ToDateTime(TimeOnly.MinValue))).ToUniversalTime();
        var to = currentHour;   // the rollups hold the hours before it; visits starting just before may run into it
        string[] columns = ["pathname", "source", "country", "device"];

        async Task RawDashboardAsync()
        {
            await raw.AggregateAsync(siteId, from, to);
            await raw.TimeseriesAsync(siteId, Timezone, from, to, "day", EventFilter.None);
            foreach (var c in columns) await raw.BreakdownAsync(siteId, from, to, c, "", "visitors", 10, 0, EventFilter.None);
        }
        var fromRollups = await TimeAsync(() => load(DashboardDimensions.ShownFirst), runs * 2 + 1);
        var fromRaw = await TimeAsync(RawDashboardAsync, Math.Max(1, runs / 2));
        Console.WriteLine($"Dashboard, {days} days: from rollups the page as it opens (totals, daily series, 5 top lists); from raw events totals, daily series, top pages/sources/countries/devices:");
        Console.WriteLine($"  from rollups: p50 {Median(fromRollups):F1} ms (runs: {string.Join(" / ", fromRollups.Select(t => t.ToString("F1")))})");
        Console.WriteLine($"  from raw events: p50 {Median(fromRaw):F0} ms (runs: {string.Join(" / ", fromRaw.Select(t => t.ToString("F0")))})");
        Console.WriteLine($"  rollups are {Median(fromRaw) / Median(fromRollups):F0}x faster");
        var a = await rollups.AggregateAsync(siteId, firstDay, lastDay);
        var b = await raw.AggregateAsync(siteId, from, to);
        Console.WriteLine($"  same figures: pageviews {a.Pageviews:N0} / {b.Pageviews:N0}, events {a.Events:N0} / {b.Events:N0}, " +
            $"visitors (sketch / exact) {a.Visitors:N0} / {b.Visitors:N0} ({(a.Visitors - b.Visitors) * 100.0 / b.Visitors:+0.00;-0.00} %)");
        await FilteredAsync(db, currentHour, days, siteId, runs);
        await RatesUnderFiltersAsync(db, currentHour, days, siteId, runs);
        await StatsApiRatesAsync(db, currentHour, days, siteId, runs);
        await StatsApiDimensionsAsync(db, currentHour, days, siteId, runs);
        await FunnelAsync(db, siteId, currentHour, days, runs);
        await PropertiesAsync(db, siteId, currentHour, days, runs);
        await TopValuesAsync(db, currentHour, days, siteId, runs);
    }

    /// <summary>Data of an earlier run, loaded before the table of visits was kept: filled from the raw events, as an upgraded install's.</summary>
    private static async Task FillVisitsAsync(NpgsqlDataSource db, RollupJob job, long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        if (await conn.ExecuteScalarAsync<bool>("SELECT visits_from = '-infinity' FROM sites WHERE id = @siteId", new { siteId })) return;
        var clock = Stopwatch.StartNew();
        await job.RunAsync();
        var visits = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM visits WHERE site_id = @siteId", new { siteId });
        var events = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM events WHERE site_id = @siteId", new { siteId });
        Console.WriteLine($"Table of visits filled from the raw events (an upgrade's one-time cost): {visits:N0} visits of {events:N0} events " +
            $"in {clock.Elapsed.TotalSeconds:F1} s = {events / clock.Elapsed.TotalSeconds:N0} events/s");
        await conn.ExecuteAsync("VACUUM ANALYZE visits");
    }

    /// <summary>
    /// The filtered dashboard as the page opens it (totals, daily series, goals and the five first-tab lists) over every
    /// day, under a filter on a visitor's own column (country), on a visit's attribution (source), on a page (the
    /// busiest) and on a custom event (its conversions): from the table of visits, and side by side from raw events (as a site whose table does not hold the
    /// period yet reads it).
    /// </summary>
    private static async Task FilteredAsync(NpgsqlDataSource db, DateTimeOffset currentHour, int days, long siteId, int runs)
    {
        foreach (var filter in new[] { "country:DE", "source:Google", "page:/products/item-0", "event:Order" })
        {
            var (_, _, _, load) = Dashboard(db, currentHour, days, siteId, filter);
            DashboardData? fromVisits = null, fromRaw = null;
            var visitTimes = new List<double>();
            var rawTimes = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                visitTimes.AddRange(await TimeAsync(async () => fromVisits = await load(DashboardDimensions.ShownFirst), 1));
                await SetVisitsFromAsync(db, siteId, "now()");
                rawTimes.AddRange(await TimeAsync(async () => fromRaw = await load(DashboardDimensions.ShownFirst), 1));
                await SetVisitsFromAsync(db, siteId, "'-infinity'");
            }
            Console.WriteLine($"Dashboard, {days} days, filtered by {filter} (the page as it opens):");
            foreach (var (side, times, shown) in new[] { ("table of visits", visitTimes, fromVisits!), ("raw events", rawTimes, fromRaw!) })
                Console.WriteLine($"  from the {side}: p50 {Median(times):F0} ms (runs: {string.Join(" / ", times.Select(t => t.ToString("F0")))}); " +
                    $"{shown.Totals.Visitors:N0} visitors, {shown.Totals.Pageviews:N0} pageviews, {shown.Totals.Visits:N0} visits, " +
                    $"top page {shown.Top(DashboardDimensions.Page)[0].Value} ({shown.Top(DashboardDimensions.Page)[0].Counts.Visitors:N0})");
            Console.WriteLine($"  the table of visits is {Median(rawTimes) / Median(visitTimes):F1}x faster");
        }
    }

    private static async Task SetVisitsFromAsync(NpgsqlDataSource db, long siteId, string value)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync($"UPDATE sites SET visits_from = {value} WHERE id = @siteId", new { siteId });
    }

    /// <summary>The dashboard as the page opens: totals, the daily series, the goals and the five lists on the cards' first tabs, read in parallel.</summary>
    /// <returns>Load: reads the view with the given top lists (null: all 13).</returns>
    private static (TimeZoneInfo Zone, DateOnly FirstDay, DateOnly LastDay, Func<IReadOnlyCollection<DashboardDimension>?, Task<DashboardData>> Load) Dashboard(
        NpgsqlDataSource db, DateTimeOffset currentHour, int days, long siteId, params string[] filters)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Timezone);
        var lastDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(currentHour.AddTicks(-1), zone).DateTime);
        var firstDay = lastDay.AddDays(-(days - 1));
        var view = View(firstDay, lastDay, filters);
        return (zone, firstDay, lastDay, lists => Queries(db).LoadAsync(BenchSite(siteId), view, lastDay, lists));
    }

    private static DashboardQueries Queries(NpgsqlDataSource db) => new(db, new RollupQueries(db), new StatsQueries(db), new Goals(db, new SiteTeam(db)));

    private static Site BenchSite(long siteId) => new(siteId, "history-bench.example", "History bench", Timezone);

    private static DashboardView View(DateOnly firstDay, DateOnly lastDay, string[] filters) =>
        DashboardView.Parse("custom", firstDay.ToString("yyyy-MM-dd"), lastDay.ToString("yyyy-MM-dd"), null, filters, null).View;

    /// <summary>Feeds an hour of visits in time order, one numbered batch per second, running the job every few seconds of events.</summary>
    /// <returns>The events stored and the time of each run of the job.</returns>
    private static async Task<(long Events, List<double> RunSeconds)> LiveHourAsync(
        NpgsqlDataSource db, RollupJob job, long siteId, DateTimeOffset hour, int perSecond, int everySeconds, int minutes)
    {
        var all = Visits(siteId, hour, hour.AddMinutes(minutes), perSecond * 60L * minutes, seed: 2).OrderBy(e => e.At).ToList();
        var runs = new List<double>();
        var next = 0;
        for (var second = 1; second <= minutes * 60; second++)
        {
            var until = hour.AddSeconds(second);
            var end = next;
            while (end < all.Count && all[end].At < until) end++;
            if (end > next)
            {
                await using var conn = await db.OpenConnectionAsync();
                await using var tx = await conn.BeginTransactionAsync();
                var batch = await conn.ExecuteScalarAsync<long>("SELECT nextval('event_batches')", transaction: tx);
                await CopyAsync(conn, siteId, all.GetRange(next, end - next), batch);
                await conn.ExecuteAsync("INSERT INTO rollup_batches (site_id, batch, first_ts, last_ts) VALUES (@siteId, @batch, @first, @last)",
                    new { siteId, batch, first = all[next].At.UtcDateTime, last = all[end - 1].At.UtcDateTime }, tx);
                await tx.CommitAsync();
                next = end;
            }
            if (second % everySeconds != 0) continue;
            var clock = Stopwatch.StartNew();
            await job.RunAsync();
            runs.Add(clock.Elapsed.TotalSeconds);
            if (second % 600 == 0)
                await using (var conn = await db.OpenConnectionAsync()) await conn.ExecuteAsync("ANALYZE events; ANALYZE rollup_visits; ANALYZE rollup_hours");
        }
        return (all.Count, runs);
    }

    private static Task MarkAsync(NpgsqlConnection conn, long siteId, DateTimeOffset from, DateTimeOffset to) =>
        conn.ExecuteAsync("""
            INSERT INTO rollup_dirty_hours (site_id, hour)
            SELECT @siteId, h FROM generate_series(@from, @to - interval '1 hour', interval '1 hour') h ON CONFLICT DO NOTHING
            """, new { siteId, from = from.UtcDateTime, to = to.UtcDateTime });

    private static async Task<List<double>> TimeAsync(Func<Task> dashboard, int runs)
    {
        await dashboard();   // warm: plans, caches
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            await dashboard();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times;
    }
}
