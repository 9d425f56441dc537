using System.Diagnostics;
using Dapper;
using LiveAnalytics.Persistence;
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
public static class HistoryBench
{
    private const string Timezone = "Europe/Berlin";

    public static async Task RunAsync(Func<string, string, string> arg)
    {
        var total = long.Parse(arg("events", "10000000"));
        var days = int.Parse(arg("days", "90"));
        var runs = int.Parse(arg("runs", "5"));
        await using var db = NpgsqlDataSource.Create(arg("pg", ""));
        await new Migrator(db, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None);
        long siteId;
        await using (var conn = await db.OpenConnectionAsync())
            siteId = await conn.ExecuteScalarAsync<long>(
                "INSERT INTO sites (domain, name, timezone) VALUES ('history-bench.example', 'History bench', @Timezone) RETURNING id", new { Timezone });

        Console.WriteLine($"{Machine()}; PostgreSQL 15 with fsync on, on the same cores");
        var now = DateTimeOffset.UtcNow;
        var currentHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var start = currentHour.AddDays(-days);
        var clock = Stopwatch.StartNew();
        var loaded = await LoadAsync(db, siteId, start, currentHour, total, seed: 1);
        Console.WriteLine($"Loaded {loaded:N0} events over {days} days by binary COPY in {clock.Elapsed.TotalSeconds:F0} s ({loaded / clock.Elapsed.TotalSeconds:N0} rows/s)");
        await using (var conn = await db.OpenConnectionAsync())
        {
            await MarkAsync(conn, siteId, start, currentHour);
            await conn.ExecuteAsync("VACUUM ANALYZE events");
        }

        var job = new RollupJob(db, TimeProvider.System, NullLogger<RollupJob>.Instance);
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

        var zone = TimeZoneInfo.FindSystemTimeZoneById(Timezone);
        var lastDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(currentHour.AddTicks(-1), zone).DateTime);
        var firstDay = lastDay.AddDays(-(days - 1));
        var rollups = new RollupQueries(db);
        var raw = new StatsQueries(db);
        var from = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), zone.GetUtcOffset(firstDay.ToDateTime(TimeOnly.MinValue))).ToUniversalTime();
        var to = currentHour;   // the rollups hold the hours before it; visits starting just before may run into it
        string[] dimensions = ["page", "source", "country", "device"];
        string[] columns = ["pathname", "source", "country", "device"];

        async Task RollupDashboardAsync()
        {
            await rollups.AggregateAsync(siteId, firstDay, lastDay);
            await rollups.SeriesAsync(siteId, firstDay, lastDay, "day");
            foreach (var d in dimensions) await rollups.TopAsync(siteId, firstDay, lastDay, d, 10);
        }
        async Task RawDashboardAsync()
        {
            await raw.AggregateAsync(siteId, from, to);
            await raw.TimeseriesAsync(siteId, Timezone, from, to, "day", default);
            foreach (var c in columns) await raw.BreakdownAsync(siteId, from, to, c, "", "visitors", 10, 0, default);
        }
        var fromRollups = await TimeAsync(RollupDashboardAsync, runs * 2 + 1);
        var fromRaw = await TimeAsync(RawDashboardAsync, Math.Max(1, runs / 2));
        Console.WriteLine($"Dashboard, {days} days (totals, daily series, top pages/sources/countries/devices: 6 queries):");
        Console.WriteLine($"  from rollups: p50 {Median(fromRollups):F1} ms (runs: {string.Join(" / ", fromRollups.Select(t => t.ToString("F1")))})");
        Console.WriteLine($"  from raw events: p50 {Median(fromRaw):F0} ms (runs: {string.Join(" / ", fromRaw.Select(t => t.ToString("F0")))})");
        Console.WriteLine($"  rollups are {Median(fromRaw) / Median(fromRollups):F0}x faster");
        var a = await rollups.AggregateAsync(siteId, firstDay, lastDay);
        var b = await raw.AggregateAsync(siteId, from, to);
        Console.WriteLine($"  same figures: pageviews {a.Pageviews:N0} / {b.Pageviews:N0}, events {a.Events:N0} / {b.Events:N0}, " +
            $"visitors (sketch / exact) {a.Visitors:N0} / {b.Visitors:N0} ({(a.Visitors - b.Visitors) * 100.0 / b.Visitors:+0.00;-0.00} %)");

        // The current hour at 1,000 events/s: its rollup after one minute, and after the whole hour.
        var minute = await LoadAsync(db, siteId, currentHour, currentHour.AddMinutes(1), 60_000, seed: 2);
        var afterMinute = await RollupHourAsync(db, job, siteId, currentHour);
        var rest = await LoadAsync(db, siteId, currentHour.AddMinutes(1), currentHour.AddHours(1), 3_540_000, seed: 3);
        var afterHour = await RollupHourAsync(db, job, siteId, currentHour);
        Console.WriteLine($"Current hour at 1,000 events/s: rollup after 1 minute ({minute:N0} events) {afterMinute:F2} s; " +
            $"after the full hour ({minute + rest:N0} events) {afterHour:F2} s");
    }

    private static async Task<double> RollupHourAsync(NpgsqlDataSource db, RollupJob job, long siteId, DateTimeOffset hour)
    {
        await using (var conn = await db.OpenConnectionAsync())
        {
            await MarkAsync(conn, siteId, hour, hour.AddHours(1));
            await conn.ExecuteAsync("ANALYZE events");
        }
        var clock = Stopwatch.StartNew();
        await job.RunAsync();
        return clock.Elapsed.TotalSeconds;
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

    private static readonly string[] Sources = ["Google", "Google", "Google", "Bing", "DuckDuckGo", "Facebook", "Instagram", "Newsletter", "Hacker News", "Reddit", "LinkedIn"];
    private static readonly string[] Countries = ["DE", "US", "FR", "GB", "NL", "AT", "CH", "IT", "ES", "PL", "SE", "IN", "BR", "CA", "JP"];
    private static readonly string[] Devices = ["desktop", "desktop", "mobile", "mobile", "mobile", "tablet"];
    private static readonly string[] Browsers = ["Chrome", "Chrome", "Safari", "Firefox", "Edge", "Samsung Internet"];
    private static readonly string[] Systems = ["Windows", "macOS", "iOS", "Android", "Linux"];

    /// <summary>Visits of 1 to 6 events a few minutes apart, spread evenly over [from, to); 90 % pageviews.</summary>
    private static async Task<long> LoadAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from, DateTimeOffset to, long events, int seed)
    {
        var random = new Random(seed);
        var span = (to - from).Ticks;
        long written = 0, session = seed * 1_000_000_000L;
        await using var conn = await db.OpenConnectionAsync();
        await using var copy = await conn.BeginBinaryImportAsync("""
            COPY events (id, site_id, ts, name, hostname, pathname, visitor_id, session_id, referrer, source, medium,
                         country, device, browser, os, revenue_amount, revenue_currency) FROM STDIN (FORMAT BINARY)
            """);
        while (written < events)
        {
            // Visits start in order over the range, so the table fills roughly in time order as it would live.
            var at = from.AddTicks((long)(span * (written / (double)events)) + random.NextInt64(TimeSpan.TicksPerMinute));
            var visitor = random.NextInt64(1, 400_000);
            var direct = random.Next(3) == 0;
            var source = direct ? null : Sources[random.Next(Sources.Length)];
            var (country, device, browser, os) = (Countries[random.Next(Countries.Length)], Devices[random.Next(Devices.Length)],
                Browsers[random.Next(Browsers.Length)], Systems[random.Next(Systems.Length)]);
            session++;
            var length = random.Next(1, 7);
            for (var n = 0; n < length && written < events; n++, written++)
            {
                var custom = n > 0 && random.Next(10) == 0;
                var order = custom && random.Next(3) == 0;
                await copy.StartRowAsync();
                await copy.WriteAsync(Guid.CreateVersion7(at), NpgsqlDbType.Uuid);
                await copy.WriteAsync(siteId, NpgsqlDbType.Bigint);
                await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(custom ? order ? "Order" : "Add to cart" : "pageview", NpgsqlDbType.Text);
                await copy.WriteAsync("history-bench.example", NpgsqlDbType.Text);
                // A few pages take most views, as in a real store.
                await copy.WriteAsync($"/products/item-{(int)(300 * Math.Pow(random.NextDouble(), 3))}", NpgsqlDbType.Text);
                await copy.WriteAsync(visitor, NpgsqlDbType.Bigint);
                await copy.WriteAsync(session, NpgsqlDbType.Bigint);
                if (n == 0 && source is not null)
                {
                    await copy.WriteAsync($"https://{source.ToLowerInvariant().Replace(' ', '-')}.example/", NpgsqlDbType.Text);
                    await copy.WriteAsync(source, NpgsqlDbType.Text);
                    await copy.WriteAsync(source == "Newsletter" ? "email" : "referral", NpgsqlDbType.Text);
                }
                else
                {
                    await copy.WriteNullAsync();
                    await copy.WriteNullAsync();
                    await copy.WriteNullAsync();
                }
                await copy.WriteAsync(country, NpgsqlDbType.Text);
                await copy.WriteAsync(device, NpgsqlDbType.Text);
                await copy.WriteAsync(browser, NpgsqlDbType.Text);
                await copy.WriteAsync(os, NpgsqlDbType.Text);
                if (order)
                {
                    await copy.WriteAsync((decimal)random.Next(10, 300), NpgsqlDbType.Numeric);
                    await copy.WriteAsync("EUR", NpgsqlDbType.Text);
                }
                else
                {
                    await copy.WriteNullAsync();
                    await copy.WriteNullAsync();
                }
                at = at.AddSeconds(random.Next(20, 240));
            }
        }
        await copy.CompleteAsync();
        return written;
    }
}
