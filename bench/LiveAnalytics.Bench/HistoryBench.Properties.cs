using System.Diagnostics;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static LiveAnalytics.Bench.Stats;

namespace LiveAnalytics.Bench;

/// <summary>The history benchmark's custom properties card: from the day rollup, against the raw events it read before.</summary>
public static partial class HistoryBench
{
    /// <summary>
    /// The properties card over every day (its names, then the first name's values): as it read the raw events of the period
    /// before the day rollup (the same statements), the first view with nothing kept, the views after it, and the job
    /// making every closed day from nothing. The bench's events get properties first, once: each "Add to cart" a variant
    /// (8 values) and each order a payment method (4) and its own order number (unbounded, as real ones are).
    /// </summary>
    private static async Task PropertiesAsync(NpgsqlDataSource db, long siteId, DateTimeOffset currentHour, int days, int runs)
    {
        await using (var conn = await db.OpenConnectionAsync())
        {
            var set = await conn.ExecuteAsync("""
                UPDATE events SET props = CASE name
                    WHEN 'Add to cart' THEN jsonb_build_object('variant', 'size-' || (visitor_id % 8))
                    ELSE jsonb_build_object('payment', (ARRAY['card', 'paypal', 'invoice', 'klarna'])[1 + visitor_id % 4], 'order', 'A-' || session_id) END
                WHERE site_id = @siteId AND name IN ('Add to cart', 'Order') AND props IS NULL
                """, new { siteId });
            if (set > 0) Console.WriteLine($"  (gave {set:N0} events properties for this part)");
        }
        var propertyDays = new PropertyDays(db, TimeProvider.System, NullLogger<PropertyDays>.Instance);
        var properties = new CustomProperties(db, propertyDays);
        var site = BenchSite(siteId);
        var (zone, _, lastDay, _) = Dashboard(db, currentHour, days, siteId);
        var firstDay = lastDay.AddDays(1 - days);
        async Task<string> CardAsync()
        {
            var names = await properties.NamesAsync(site, firstDay, lastDay, EventFilter.None);
            var values = await properties.ValuesAsync(site, firstDay, lastDay, names[0], EventFilter.None, PropertiesCard.TopValues);
            return $"{string.Join(", ", names)}; {names[0]}: {string.Join(", ", values.Take(3).Select(v => $"{v.Value} {v.Counts.Visitors:N0}"))}";
        }
        async Task<string> RawAsync()
        {
            // The card's statements before the day rollup: the period's events with their visits settled, unfiltered.
            var (from, to) = StatsPeriod.Days(firstDay, lastDay, zone);
            var events = await KeptVisits.EventsAsync(db, siteId, from, EventFilter.None);
            await using var conn = await db.OpenConnectionAsync();
            var names = (await conn.QueryAsync<string>($"""
                SELECT k FROM ({events}) e CROSS JOIN LATERAL jsonb_object_keys(e.props) k WHERE e.props IS NOT NULL
                GROUP BY k ORDER BY count(*) DESC, k LIMIT 30
                """, new { siteId, from, to })).AsList();
            var carries = $" AND {StatsFilters.PropColumn("propKey")} IS NOT NULL";
            var carrying = await KeptVisits.EventsAsync(db, siteId, from, EventFilter.None with { Sql = carries, EventSql = carries });
            var values = (await conn.QueryAsync<(string Value, long Visitors)>($"""
                SELECT {StatsFilters.PropColumn("propKey")}, count(DISTINCT e.visitor_id) FROM ({carrying}) e
                WHERE {StatsFilters.PropColumn("propKey")} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10
                """, new { siteId, from, to, propKey = names[0] })).AsList();
            return $"{string.Join(", ", names)}; {names[0]}: {string.Join(", ", values.Take(3).Select(v => $"{v.Value} {v.Visitors:N0}"))}";
        }
        async Task ClearAsync()
        {
            await using var conn = await db.OpenConnectionAsync();
            await conn.ExecuteAsync("DELETE FROM property_days WHERE site_id = @siteId; DELETE FROM property_days_made WHERE site_id = @siteId", new { siteId });
        }

        var shown = "";
        var before = await TimeAsync(async () => shown = await RawAsync(), runs);
        Console.WriteLine($"Properties card over {days} days, raw events as before: p50 {Median(before):F0} ms (runs: {string.Join(" / ", before.Select(t => t.ToString("F0")))}); {shown}");
        var firstViews = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            await ClearAsync();
            var clock = Stopwatch.StartNew();   // no warm-up run: it would keep the days
            shown = await CardAsync();
            firstViews.Add(clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"  first view (raw events; closed days kept): p50 {Median(firstViews):F0} ms (runs: {string.Join(" / ", firstViews.Select(t => t.ToString("F0")))})");
        var after = await TimeAsync(async () => shown = await CardAsync(), runs);
        Console.WriteLine($"  every view after it (kept days + today raw): p50 {Median(after):F0} ms (runs: {string.Join(" / ", after.Select(t => t.ToString("F0")))}); {shown}");
        await ClearAsync();
        var job = Stopwatch.StartNew();
        var made = await propertyDays.RunAsync(CancellationToken.None);
        Console.WriteLine($"  the job making all {made} closed days from nothing: {job.Elapsed.TotalMilliseconds:F0} ms");
    }
}
