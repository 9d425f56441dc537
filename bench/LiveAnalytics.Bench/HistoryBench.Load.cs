using Npgsql;
using NpgsqlTypes;

namespace LiveAnalytics.Bench;

/// <summary>The history benchmark's events: visits of a store generated from a seed, stored by binary COPY.</summary>
public static partial class HistoryBench
{
    private static readonly string[] Sources = ["Google", "Google", "Google", "Bing", "DuckDuckGo", "Facebook", "Instagram", "Newsletter", "Hacker News", "Reddit", "LinkedIn"];
    private static readonly string[] Countries = ["DE", "US", "FR", "GB", "NL", "AT", "CH", "IT", "ES", "PL", "SE", "IN", "BR", "CA", "JP"];
    private static readonly string[] Devices = ["desktop", "desktop", "mobile", "mobile", "mobile", "tablet"];
    private static readonly string[] Browsers = ["Chrome", "Chrome", "Safari", "Firefox", "Edge", "Samsung Internet"];
    private static readonly string[] Systems = ["Windows", "macOS", "iOS", "Android", "Linux"];

    private sealed record BenchEvent(DateTimeOffset At, string Name, string Path, long Visitor, long Session,
        string? Source, string Country, string Device, string Browser, string Os, decimal? Revenue);

    private static async Task<long> LoadAsync(NpgsqlDataSource db, long siteId, DateTimeOffset from, DateTimeOffset to, long events, int seed)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await CopyAsync(conn, siteId, Visits(siteId, from, to, events, seed), batch: null);
    }

    /// <summary>Visits of 1 to 6 events a few minutes apart, starting evenly over [from, to); 90 % pageviews.</summary>
    private static IEnumerable<BenchEvent> Visits(long siteId, DateTimeOffset from, DateTimeOffset to, long events, int seed)
    {
        var random = new Random(seed);
        var span = (to - from).Ticks;
        long written = 0, session = seed * 1_000_000_000L;
        while (written < events)
        {
            // Visits start in order over the range, so the table fills roughly in time order as it would live.
            var at = from.AddTicks((long)(span * (written / (double)events)) + random.NextInt64(TimeSpan.TicksPerMinute));
            var visitor = random.NextInt64(1, 400_000);
            var source = random.Next(3) == 0 ? null : Sources[random.Next(Sources.Length)];
            var (country, device, browser, os) = (Countries[random.Next(Countries.Length)], Devices[random.Next(Devices.Length)],
                Browsers[random.Next(Browsers.Length)], Systems[random.Next(Systems.Length)]);
            session++;
            var length = random.Next(1, 7);
            for (var n = 0; n < length && written < events; n++, written++)
            {
                var custom = n > 0 && random.Next(10) == 0;
                var order = custom && random.Next(3) == 0;
                // A few pages take most views, as in a real store.
                var path = $"/products/item-{(int)(300 * Math.Pow(random.NextDouble(), 3))}";
                yield return new BenchEvent(at, custom ? order ? "Order" : "Add to cart" : "pageview", path, visitor, session,
                    n == 0 ? source : null, country, device, browser, os, order ? random.Next(10, 300) : null);
                at = at.AddSeconds(random.Next(20, 240));
            }
        }
    }

    private static async Task<long> CopyAsync(NpgsqlConnection conn, long siteId, IEnumerable<BenchEvent> events, long? batch)
    {
        long written = 0;
        await using var copy = await conn.BeginBinaryImportAsync("""
            COPY events (id, site_id, ts, name, hostname, pathname, visitor_id, session_id, referrer, source, medium,
                         country, device, browser, os, revenue_amount, revenue_currency, batch) FROM STDIN (FORMAT BINARY)
            """);
        foreach (var e in events)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(Guid.CreateVersion7(e.At), NpgsqlDbType.Uuid);
            await copy.WriteAsync(siteId, NpgsqlDbType.Bigint);
            await copy.WriteAsync(e.At, NpgsqlDbType.TimestampTz);
            await copy.WriteAsync(e.Name, NpgsqlDbType.Text);
            await copy.WriteAsync("history-bench.example", NpgsqlDbType.Text);
            await copy.WriteAsync(e.Path, NpgsqlDbType.Text);
            await copy.WriteAsync(e.Visitor, NpgsqlDbType.Bigint);
            await copy.WriteAsync(e.Session, NpgsqlDbType.Bigint);
            if (e.Source is { } source)
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
            await copy.WriteAsync(e.Country, NpgsqlDbType.Text);
            await copy.WriteAsync(e.Device, NpgsqlDbType.Text);
            await copy.WriteAsync(e.Browser, NpgsqlDbType.Text);
            await copy.WriteAsync(e.Os, NpgsqlDbType.Text);
            if (e.Revenue is { } amount)
            {
                await copy.WriteAsync(amount, NpgsqlDbType.Numeric);
                await copy.WriteAsync("EUR", NpgsqlDbType.Text);
            }
            else
            {
                await copy.WriteNullAsync();
                await copy.WriteNullAsync();
            }
            if (batch is { } b) await copy.WriteAsync(b, NpgsqlDbType.Bigint);
            else await copy.WriteNullAsync();
            written++;
        }
        await copy.CompleteAsync();
        return written;
    }
}
