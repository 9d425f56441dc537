using Dapper;
using LiveAnalytics.Ingestion;
using Npgsql;

namespace LiveAnalytics.Demo;

/// <summary>
/// The demo site's past: two months of simulated shoppers before the first start (and today's hours until an hour ago),
/// stored as an import of history is, through the batch API's path (enriched, sessions settled by their own time,
/// COPYed, rolled up by the rollup job, kept off the live stream), so that a fresh install's history dashboard,
/// comparisons, goals and funnel have something to show beside the live view. The same month on every install (a
/// seeded random), busier in the evening and on weekdays, growing a little. Once: a site with stored history is left
/// alone.
/// </summary>
public sealed partial class DemoHistory(IngestionService ingestion, NpgsqlDataSource db, TimeProvider time, ILogger<DemoHistory> logger)
{
    /// <summary>Two months: the last 30 days have a month to compare with.</summary>
    public const int Days = 60;

    /// <summary>Visits on an average weekday at the start of the month.</summary>
    private const int VisitsPerDay = 160;

    // Share of a day's visits by UTC hour: quiet nights, a lunch bump, busy evenings.
    private static readonly double[] Hours =
        [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5, 6, 5.5, 5, 5, 5.5, 6, 7, 8, 8.5, 7, 4.5, 2.5];

    /// <returns>The events stored (0 when the site has history already or does not exist).</returns>
    public async Task<int> FillAsync(string domain, int days, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var siteId = await conn.ExecuteScalarAsync<long?>("SELECT id FROM sites WHERE domain = @domain", new { domain });
            if (siteId is null || await conn.ExecuteScalarAsync<bool>(
                    "SELECT EXISTS (SELECT 1 FROM events WHERE site_id = @siteId AND ts < @before)", new { siteId, before = now.AddHours(-1) }))
                return 0;
        }
        var random = new Random(2026);
        var stored = 0;
        var firstDay = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-days);
        for (var day = firstDay; day < now; day = day.AddDays(1))
        {
            var events = Day(domain, day, (day - firstDay).Days, random).Where(e => e.At < now.AddHours(-1)).OrderBy(e => e.At).ToList();
            foreach (var chunk in events.Chunk(1_000))
            {
                var pending = new List<PendingEvent>(chunk.Length);
                foreach (var (at, payload, shopper) in chunk)
                {
                    var origin = new EventOrigin(shopper.Ip, shopper.Agent, at);
                    var (result, prepared) = await ingestion.PrepareAsync(payload, origin, ct);
                    // A month at once runs into the site's own rate limit (Ingestion:PerSitePerSecond): it waits its turn.
                    while (result.RateLimitedSite is not null)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
                        (result, prepared) = await ingestion.PrepareAsync(payload, origin, ct);
                    }
                    pending.AddRange(prepared);
                }
                await ingestion.StoreAsync(pending);
                stored += pending.Count;
            }
        }
        LogFilled(stored, days, domain);
        return stored;
    }

    /// <summary>A day's shoppers, each going through their visit a few seconds to a minute a step.</summary>
    private static IEnumerable<(DateTimeOffset At, EventPayload Payload, DemoTraffic.Shopper Shopper)> Day(string domain, DateTimeOffset day, int index, Random random)
    {
        var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        var visits = (int)(VisitsPerDay * (weekend ? 0.7 : 1) * (1 + 0.01 * index) * (0.85 + 0.3 * random.NextDouble()));
        var total = Hours.Sum();
        for (var v = 0; v < visits; v++)
        {
            // An hour drawn by its share of the day, then a moment within it.
            var pick = random.NextDouble() * total;
            var hour = 0;
            for (; hour < Hours.Length - 1 && (pick -= Hours[hour]) > 0; hour++) { }
            var at = day.AddHours(hour).AddSeconds(random.Next(3600));
            var shopper = DemoTraffic.Shopper.Arrive(random);
            while (!shopper.Done)
            {
                yield return (at, shopper.NextEvent(domain), shopper);
                at = at.AddSeconds(random.Next(3, 60));
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Stored {Count} events of {Days} days of demo history for {Domain}")]
    private partial void LogFilled(int count, int days, string domain);
}
