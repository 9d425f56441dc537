using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace LiveAnalytics.Bench;

/// <summary>The batch API's end-to-end rate (accepted, and persisted) against a raw binary COPY into the same table.</summary>
public sealed class BatchVsCopy(NpgsqlDataSource db, Persisted persisted, string url, string apiKey, string domain, long siteId)
{
    private const long RawSiteId = 9_000_000_001;   // rows of the raw COPY, deleted afterwards

    /// <param name="rowsPerTransaction">All in one COPY, or COPYs of this many rows each committed on its own
    /// (the batch API's unit: a request's events are durable before it is answered).</param>
    public async Task<double> RawCopyRowsPerSecondAsync(int rows, int? rowsPerTransaction = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        var clock = Stopwatch.StartNew();
        var now = DateTimeOffset.UtcNow;
        for (var from = 0; from < rows; from += rowsPerTransaction ?? rows)
        {
            await using var tx = await conn.BeginTransactionAsync();
            await CopyRawAsync(conn, from, Math.Min(rows, from + (rowsPerTransaction ?? rows)), now);
            await tx.CommitAsync();
        }
        var rate = rows / clock.Elapsed.TotalSeconds;
        await DeleteRawRowsAsync(conn);
        return rate;
    }

    private async Task CopyRawAsync(NpgsqlConnection conn, int from, int to, DateTimeOffset now)
    {
        await using (var copy = await conn.BeginBinaryImportAsync("""
            COPY events (id, site_id, ts, name, hostname, pathname, visitor_id, session_id, referrer, source, medium,
                         browser, browser_version, os, os_version, device) FROM STDIN (FORMAT BINARY)
            """))
        {
            for (var i = from; i < to; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                await copy.WriteAsync(RawSiteId, NpgsqlDbType.Bigint);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync("pageview", NpgsqlDbType.Text);
                await copy.WriteAsync(domain, NpgsqlDbType.Text);
                await copy.WriteAsync($"/products/item-{i % 200}", NpgsqlDbType.Text);
                await copy.WriteAsync((long)(i % 5000), NpgsqlDbType.Bigint);
                await copy.WriteAsync((long)(i % 5000), NpgsqlDbType.Bigint);
                await copy.WriteAsync("https://www.google.com/", NpgsqlDbType.Text);
                await copy.WriteAsync("Google", NpgsqlDbType.Text);
                await copy.WriteAsync("search", NpgsqlDbType.Text);
                await copy.WriteAsync("Chrome", NpgsqlDbType.Text);
                await copy.WriteAsync("131", NpgsqlDbType.Text);
                await copy.WriteAsync("Windows", NpgsqlDbType.Text);
                await copy.WriteAsync("10", NpgsqlDbType.Text);
                await copy.WriteAsync("desktop", NpgsqlDbType.Text);
            }
            await copy.CompleteAsync();
        }
    }

    /// <summary>
    /// Deletes the ceiling's rows and vacuums them away at once: left dead, autovacuum took them during the
    /// batch API's measurement that follows (900,000 dead rows a run).
    /// </summary>
    private static async Task DeleteRawRowsAsync(NpgsqlConnection conn)
    {
        await using (var delete = new NpgsqlCommand("DELETE FROM events WHERE site_id = @s", conn) { Parameters = { new("s", RawSiteId) } })
            await delete.ExecuteNonQueryAsync();
        await using var vacuum = new NpgsqlCommand("VACUUM events", conn);
        await vacuum.ExecuteNonQueryAsync();
    }

    /// <summary>Our persistence write path (EventWriter: plain COPY, or the staging table for redeliveries) on the same rows.</summary>
    public async Task<double> EventWriterRowsPerSecondAsync(int rows, bool redelivered)
    {
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, rows).Select(i => new LiveAnalytics.Ingestion.TrackedEvent
        {
            Id = Guid.CreateVersion7(), SiteId = RawSiteId, Timestamp = now, Name = "pageview", Hostname = domain,
            Pathname = $"/products/item-{i % 200}", VisitorId = i % 5000, SessionId = i % 5000, Referrer = "https://www.google.com/",
            Source = "Google", Medium = "search", Browser = "Chrome", BrowserVersion = "131", Os = "Windows", OsVersion = "10", Device = "desktop",
        }).ToList();
        // Nothing listens to its instruments here: they cost what they cost in an app with metrics off.
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider()
            .GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var writer = new LiveAnalytics.Persistence.EventWriter(db, new LiveAnalytics.Persistence.PersistenceMetrics(meters),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<LiveAnalytics.Persistence.EventWriter>.Instance);
        var clock = Stopwatch.StartNew();
        foreach (var chunk in events.Chunk(1000)) await writer.WriteAsync(chunk, redelivered, CancellationToken.None);
        var rate = rows / clock.Elapsed.TotalSeconds;
        await using var conn = await db.OpenConnectionAsync();
        await DeleteRawRowsAsync(conn);
        return rate;
    }

    /// <summary>A shop's server reporting as things happen: 16 bodies of events without timestamps (now), posted over and over.</summary>
    /// <returns>Accepted events/s during the load, and persisted events/s from its start until the backlog drained.</returns>
    public Task<(double Accepted, double Persisted)> BatchApiAsync(int seconds, int clients, int batchSize) =>
        PostAsync("batch API", Enumerable.Range(0, 16).Select(b => Body(b, batchSize, history: null)).ToArray(), cycle: true, seconds, clients);

    /// <summary>
    /// An import of history as an importer sends it: each event once, oldest first, <paramref name="bodies"/> requests of
    /// <paramref name="batchSize"/> events, each request the next <see cref="ImportSecondsPerBody"/> seconds of it, starting
    /// 20 hours ago (stored, kept off the live stream, settled into visits by their own time).
    /// </summary>
    public Task<(double Accepted, double Persisted)> BackfillAsync(int bodies, int clients, int batchSize)
    {
        var from = DateTimeOffset.UtcNow.AddHours(-20);
        return PostAsync("backfill", Enumerable.Range(0, bodies).Select(b => Body(b, batchSize, from.AddSeconds(b * ImportSecondsPerBody))).ToArray(),
            cycle: false, seconds: 600, clients);
    }

    private const int ImportSecondsPerBody = 100;

    /// <param name="cycle">Post the bodies over and over for <paramref name="seconds"/>, or each once, in order (at most that long).</param>
    private async Task<(double Accepted, double Persisted)> PostAsync(string name, byte[][] bodies, bool cycle, int seconds, int clients)
    {
        var before = await persisted.RowsAsync(siteId);
        long accepted = 0, next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            for (var n = Interlocked.Increment(ref next); clock.Elapsed.TotalSeconds < seconds && (cycle || n < bodies.Length); n = Interlocked.Increment(ref next))
            {
                using var response = await http.PostAsync("/api/v1/events", new ByteArrayContent(bodies[n % bodies.Length]));
                using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                Interlocked.Add(ref accepted, json.RootElement.GetProperty("accepted").GetInt32());
            }
        }));
        var loadTime = clock.Elapsed.TotalSeconds;
        var atLoadEnd = await persisted.RowsAsync(siteId) - before;
        // Persisted/s: until every accepted event is a row (the stream's "persist" group may still be
        // acknowledging entries that only fed the live views; that is not waited for here).
        long stored;
        while ((stored = await persisted.RowsAsync(siteId) - before) < accepted && clock.Elapsed.TotalSeconds < loadTime + 300)
            await Task.Delay(50);
        var allStored = clock.Elapsed.TotalSeconds;
        await persisted.WaitDrainedAsync(TimeSpan.FromMinutes(5));
        Console.WriteLine($"    {name}: {accepted} accepted in {loadTime:F1} s, {atLoadEnd} persisted meanwhile ({atLoadEnd / loadTime:F0}/s), " +
            $"all {stored} {allStored - loadTime:F1} s after the load");
        if (stored < accepted) throw new InvalidOperationException($"Lost events: {accepted} accepted, {stored} persisted.");
        return (accepted / loadTime, stored / allStored);
    }

    /// <param name="history">Null: events of now; else the start of the <see cref="ImportSecondsPerBody"/> seconds they are spread over.</param>
    private byte[] Body(int seed, int size, DateTimeOffset? history)
    {
        var random = new Random(seed);
        var items = Enumerable.Range(0, size).Select(i =>
        {
            var item = new Dictionary<string, object?>
            {
                ["name"] = i % 10 == 0 ? "Order" : "pageview",
                ["url"] = $"https://{domain}/products/item-{random.Next(200)}",
                ["domain"] = domain,
                // An import's ~50,000 visitors (8 events each over its 11 hours) are others than the live batches' 12,700.
                ["ip"] = history is null ? $"198.51.100.{random.Next(1, 255)}" : $"203.0.{random.Next(4)}.{random.Next(1, 255)}",
                ["user_agent"] = $"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{random.Next(50)}.0 Safari/537.36",
                ["referrer"] = i % 3 == 0 ? "https://www.google.com/" : null,
                ["revenue"] = i % 10 == 0 ? new { amount = random.Next(10, 200), currency = "EUR" } : null,
            };
            if (history is { } from) item["timestamp"] = from.AddSeconds((double)i * ImportSecondsPerBody / size).ToString("O");
            return item;
        });
        return Encoding.UTF8.GetBytes(JsonSerializer.Serialize(items));
    }
}
