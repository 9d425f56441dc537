using Dapper;
using Npgsql;
using StackExchange.Redis;
using static LiveAnalytics.Bench.Stats;

namespace LiveAnalytics.Bench;

/// <summary>Ingestion benchmark (issue 3): the beacon path against an empty endpoint, persistence, loss, batch API against raw COPY.</summary>
public static class IngestBench
{
    public static async Task RunAsync(Func<string, string, string> arg)
    {
        var url = arg("url", "http://127.0.0.1:5090");
        var domain = arg("domain", "bench-shop.example");
        var seconds = int.Parse(arg("seconds", "30"));
        var runs = int.Parse(arg("runs", "3"));
        var connections = int.Parse(arg("connections", "50"));
        var only = arg("only", "");   // "beacon" or "batch": one half of the benchmark
        // Under full load on two cores the JIT's tiers (and PGO's instrumented ones) take about a minute
        // to settle; before that it takes up to 70 % of a core, and a run measures the compiler.
        var warmup = int.Parse(arg("warmup", "60"));
        // Concurrent batch senders: with 4 a request's sequential steps (parse, Redis, COPY, Redis) left a
        // quarter of the cores idle, so the figure measured latency; 8 keep the cores busy.
        var batchClients = int.Parse(arg("batch-clients", "8"));
        // The share of beacons that are engagement reports; 0 (the default) is the mix of the sessions before they existed.
        var engagement = double.Parse(arg("engagement", "0"), System.Globalization.CultureInfo.InvariantCulture);

        await using var db = NpgsqlDataSource.Create(arg("pg", ""));
        using var redis = await ConnectionMultiplexer.ConnectAsync(arg("redis", ""));
        var persisted = new Persisted(db, redis.GetDatabase(), arg("stream", "la:events"));
        long siteId;
        await using (var conn = await db.OpenConnectionAsync())
            siteId = await conn.ExecuteScalarAsync<long>("SELECT id FROM sites WHERE domain = @domain", new { domain });

        Console.WriteLine($"{Machine()}; wrk shares the cores with the app, PostgreSQL and Redis");
        if (only != "batch") await BeaconsAsync(url, domain, seconds, runs, connections, warmup, persisted, siteId, engagement);
        if (only != "beacon") await BatchesAsync(db, persisted, url, arg("api-key", ""), domain, siteId, seconds, runs, warmup, batchClients);
    }

    private static async Task BeaconsAsync(string url, string domain, int seconds, int runs, int connections, int warmup, Persisted persisted, long siteId,
        double engagement)
    {
        Console.WriteLine($"Beacon path: wrk -t2 -c{connections}, {seconds} s per run, {runs} runs, empty endpoint and beacon endpoint alternated" +
            (engagement > 0 ? $", {engagement:P0} of the beacons engagement reports" : ""));
        await Wrk.RunAsync(url, "/api/event", domain, warmup, connections, 2, engagement);   // warm-up: JIT, caches, connection pools
        await persisted.WaitDrainedAsync(TimeSpan.FromMinutes(2));

        var empties = new List<WrkResult>();
        var beacons = new List<(WrkResult Wrk, double PersistedPerSecond, double DrainSeconds, long Lost)>();
        for (var run = 0; run < runs; run++)
        {
            // ABBA order, so a drift in the machine's load does not favour one side. The ceiling is measured
            // once the rollup has taken the beacons before it, so that it does not share the cores with it.
            await persisted.WaitRolledUpAsync(TimeSpan.FromMinutes(2));
            if (run % 2 == 0) empties.Add(await Wrk.RunAsync(url, "/bench/empty", domain, seconds, connections, 2));
            var before = await persisted.RowsAsync(siteId);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = await Wrk.RunAsync(url, "/api/event", domain, seconds, connections, 2, engagement);
            var drain = await persisted.WaitDrainedAsync(TimeSpan.FromMinutes(5));
            var stored = await persisted.RowsAsync(siteId) - before;
            beacons.Add((result, stored / clock.Elapsed.TotalSeconds, drain.TotalSeconds, Math.Max(0, result.Accepted - stored)));
            if (run % 2 == 1)
            {
                await persisted.WaitRolledUpAsync(TimeSpan.FromMinutes(2));
                empties.Add(await Wrk.RunAsync(url, "/bench/empty", domain, seconds, connections, 2));
            }
            Console.WriteLine($"  run {run + 1}: empty {empties[^1].RequestsPerSecond:F0} req/s; beacon {result.RequestsPerSecond:F0} req/s, " +
                $"p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms, non-2xx {result.Non2xx}, persisted {stored} ({beacons[^1].PersistedPerSecond:F0}/s), " +
                $"drained {drain.TotalSeconds:F1} s after the load, lost {beacons[^1].Lost}");
        }

        var ceiling = Median(empties.Select(e => e.RequestsPerSecond));
        var accepted = Median(beacons.Select(b => b.Wrk.Accepted / (double)seconds));
        Console.WriteLine();
        Console.WriteLine("Medians:");
        Console.WriteLine($"  empty endpoint (HTTP ceiling): {ceiling:F0} req/s, p50 {Median(empties.Select(e => e.P50Ms)):F2} ms, p99 {Median(empties.Select(e => e.P99Ms)):F2} ms");
        Console.WriteLine($"  beacon accepted: {accepted:F0} events/s = {accepted / ceiling:P0} of the ceiling");
        Console.WriteLine($"  beacon latency: p50 {Median(beacons.Select(b => b.Wrk.P50Ms)):F2} ms, p99 {Median(beacons.Select(b => b.Wrk.P99Ms)):F2} ms");
        Console.WriteLine($"  persisted: {Median(beacons.Select(b => b.PersistedPerSecond)):F0} events/s (load start to drained), backlog drained {Median(beacons.Select(b => b.DrainSeconds)):F1} s after the load stopped");
        Console.WriteLine($"  lost events: {beacons.Sum(b => b.Lost)} (in {beacons.Sum(b => b.Wrk.Accepted)} acknowledged)");
        var (bytes, events) = await persisted.StreamMemoryAsync();
        Console.WriteLine($"  Redis memory of the stream: {bytes / Math.Max(1, events)} bytes an event ({bytes / 1048576} MB for {events} events; " +
            $"the live window of 30 minutes at 1,000 events/s would take {bytes / Math.Max(1.0, events) * 1_800_000 / 1048576:F0} MB)");

    }

    private static async Task BatchesAsync(NpgsqlDataSource db, Persisted persisted, string url, string apiKey, string domain, long siteId, int seconds, int runs, int warmup, int clients)
    {
        var batch = new BatchVsCopy(db, persisted, url, apiKey, domain, siteId);
        var copies = new List<double>();
        var smallCopies = new List<double>();
        var writes = new List<(double Plain, double Staging)>();
        var batches = new List<(double Accepted, double Persisted)>();
        var backfills = new List<(double Accepted, double Persisted)>();
        Console.WriteLine();
        Console.WriteLine("Batch path: raw COPY, our COPY write path (1,000-row batches), and POST /api/v1/events end to end:");
        await batch.BatchApiAsync(warmup, clients, batchSize: 1000);   // warm-up: the JIT's tiers, pools, caches
        for (var run = 0; run < runs; run++)
        {
            await persisted.WaitRolledUpAsync(TimeSpan.FromMinutes(2));   // the previous run's events, rolled up
            copies.Add(await batch.RawCopyRowsPerSecondAsync(300_000));
            smallCopies.Add(await batch.RawCopyRowsPerSecondAsync(300_000, rowsPerTransaction: 1000));
            writes.Add((await batch.EventWriterRowsPerSecondAsync(300_000, redelivered: false), await batch.EventWriterRowsPerSecondAsync(300_000, redelivered: true)));
            batches.Add(await batch.BatchApiAsync(Math.Max(5, seconds / 2), clients, batchSize: 1000));
            await persisted.WaitRolledUpAsync(TimeSpan.FromMinutes(2));
            backfills.Add(await batch.BackfillAsync(bodies: 400, clients, batchSize: 1000));
            // Visits an import's concurrent requests settled out of time order are rebuilt hour by hour: it may take a while.
            var rolledUp = await persisted.WaitRolledUpAsync(TimeSpan.FromMinutes(15));
            Console.WriteLine($"  run {run + 1}: raw COPY {copies[^1]:F0} rows/s (1,000-row transactions {smallCopies[^1]:F0}); write path plain {writes[^1].Plain:F0}/s, staging {writes[^1].Staging:F0}/s; " +
                $"batch API accepted {batches[^1].Accepted:F0}/s, persisted {batches[^1].Persisted:F0}/s; backfill accepted {backfills[^1].Accepted:F0}/s, rolled up {rolledUp.TotalSeconds:F0} s after");
        }
        var raw = Median(copies);
        Console.WriteLine();
        Console.WriteLine($"  raw binary COPY: {raw:F0} rows/s (the ceiling every ratio here is of)");
        Console.WriteLine($"  raw binary COPY in 1,000-row transactions (a batch request's unit of durability): {Median(smallCopies):F0} rows/s = {Median(smallCopies) / raw:P0}");
        Console.WriteLine($"  write path, plain COPY (the common case): {Median(writes.Select(w => w.Plain)):F0} rows/s = {Median(writes.Select(w => w.Plain)) / raw:P0} of raw COPY");
        Console.WriteLine($"  write path, staging + ON CONFLICT (redeliveries): {Median(writes.Select(w => w.Staging)):F0} rows/s = {Median(writes.Select(w => w.Staging)) / raw:P0} of raw COPY");
        Console.WriteLine($"  batch API (1000 events per request, {clients} clients): accepted {Median(batches.Select(b => b.Accepted)):F0} events/s = {Median(batches.Select(b => b.Accepted)) / raw:P0} of raw COPY; " +
            $"persisted {Median(batches.Select(b => b.Persisted)):F0} events/s = {Median(batches.Select(b => b.Persisted)) / raw:P0}");
        Console.WriteLine($"  batch API, a backfill (400,000 events of 11 hours, 9 to 20 hours old, oldest first: stored, not put on the live stream): accepted {Median(backfills.Select(b => b.Accepted)):F0} events/s = {Median(backfills.Select(b => b.Accepted)) / raw:P0} of raw COPY");
        // Raw COPY swings by half from one minute to the next on a shared machine; each run's own ratio
        // (its COPY and its batch API measured a minute apart) is the steadier figure.
        foreach (var (name, measured) in new[] { ("batch API", batches), ("backfill", backfills) })
        {
            var perRun = copies.Zip(measured, (c, b) => b.Accepted / c).ToList();
            Console.WriteLine($"  {name} / raw COPY run by run: {string.Join(" / ", perRun.Select(r => r.ToString("P0")))}, median {Median(perRun):P0}");
        }
    }
}
