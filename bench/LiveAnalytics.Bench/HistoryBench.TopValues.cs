using LiveAnalytics.Dashboard;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Bench;

/// <summary>The history benchmark's "See all" lists: a dimension's every value, searched and ranked by revenue.</summary>
public static partial class HistoryBench
{
    /// <summary>
    /// Side by side, runs interleaved: the card's ten sources (the dashboard's own read) and the "See all" page's first
    /// hundred values without filters (by visitors, by revenue, searched; the pages with their engagement, and their
    /// second hundred), then under a country filter (from the table of visits; ranked by revenue also from the raw
    /// events, the two updates of the site's row included).
    /// </summary>
    private static async Task TopValuesAsync(NpgsqlDataSource db, DateTimeOffset currentHour, int days, long siteId, int runs)
    {
        var (_, firstDay, lastDay, _) = Dashboard(db, currentHour, days, siteId);
        var (queries, site) = (Queries(db), BenchSite(siteId));
        var rollups = new RollupQueries(db);
        var values = new TopValues(rollups, new StatsReader(new StatsQueries(db), rollups, db), db);
        var all = View(firstDay, lastDay, []);
        var germans = View(firstDay, lastDay, ["country:DE"]);
        IReadOnlyList<TopRow> byRevenue = [], found = [];
        Task<IReadOnlyList<TopRow>> List(DashboardView view, DashboardDimension dimension, string? search = null, bool revenue = false, int offset = 0) =>
            values.ReadAsync(site, view, lastDay, dimension, search, revenue, offset, TopValues.PageSize);
        var timed = new (string Label, Func<Task> Read)[]
        {
            ("card: top 10 sources", () => queries.TopAsync(site, all, lastDay, DashboardDimensions.Source)),
            ("see all: sources by visitors", () => List(all, DashboardDimensions.Source)),
            ("see all: sources by revenue", async () => byRevenue = await List(all, DashboardDimensions.Source, revenue: true)),
            ("see all: pages (with engagement)", () => List(all, DashboardDimensions.Page)),
            ("see all: pages, the second hundred", () => List(all, DashboardDimensions.Page, offset: TopValues.PageSize)),
            ("see all: pages holding 'item-1'", async () => found = await List(all, DashboardDimensions.Page, "item-1")),
            ("see all: sources by visitors, country:DE", () => List(germans, DashboardDimensions.Source)),
            ("see all: sources by revenue, country:DE", () => List(germans, DashboardDimensions.Source, revenue: true)),
            ("  the same from the raw events", async () =>
            {
                await SetVisitsFromAsync(db, siteId, "now()");   // as a site whose table of visits does not hold the period
                await List(germans, DashboardDimensions.Source, revenue: true);
                await SetVisitsFromAsync(db, siteId, "'-infinity'");
            }),
            ("see all: pages holding 'item-1', country:DE", () => List(germans, DashboardDimensions.Page, "item-1")),
        };
        await InterleavedAsync($"See all, {days} days", timed, runs);
        Console.WriteLine($"  sources by revenue: {string.Join(", ", byRevenue.Take(3).Select(r => $"{r.Value} {r.Counts.Revenue:N0}"))}; " +
            $"{found.Count} pages hold 'item-1'");
    }
}
