using Dapper;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// Loads a dashboard view. Without filters everything comes from the rollups (milliseconds for any
/// range); filters combine across dimensions, which the per-dimension rollups cannot answer, so a
/// filtered view reads the raw events with the same visit rules as the Stats API.
/// </summary>
public sealed class DashboardQueries(NpgsqlDataSource db, RollupQueries rollups, StatsQueries raw)
{
    public const int TopLimit = 10;

    public async Task<DashboardData> LoadAsync(Site site, DashboardView view, DateOnly today, CancellationToken ct = default)
    {
        var range = view.Resolve(today);
        var source = view.Filters.Count == 0 ? (ISource)new Rollups(rollups, site.Id) : new Raw(raw, site, Filter(view.Filters));
        // Independent reads on their own connections: the page waits for the slowest, not the sum.
        var totals = source.TotalsAsync(range.First, range.Last);
        var previous = view.Compare ? source.TotalsAsync(range.PreviousFirst, range.PreviousLast) : Task.FromResult<Counts?>(null);
        var series = source.SeriesAsync(range.First, range.Last, range.Interval);
        var previousSeries = view.Compare ? source.SeriesAsync(range.PreviousFirst, range.PreviousLast, range.Interval) : Task.FromResult<IReadOnlyList<(DateTime Bucket, Counts Counts)>>([]);
        var tops = DashboardDimensions.All.ToDictionary(d => d.Key, d => source.TopAsync(range.First, range.Last, d));
        var pending = PendingSinceAsync(site.Id);
        await Task.WhenAll([totals, previous, series, previousSeries, pending, .. tops.Values]);

        var previousPoints = previousSeries.Result;
        var points = series.Result.Select((p, i) => new SeriesPoint(p.Bucket, p.Counts,
            view.Compare ? i < previousPoints.Count ? previousPoints[i].Counts : Counts.None : null)).ToList();
        return new DashboardData(range, totals.Result!, await previous, points,
            tops.ToDictionary(t => t.Key, t => t.Value.Result), view.Filters.Count == 0, pending.Result);
    }

    private async Task<DateTimeOffset?> PendingSinceAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var hour = await conn.ExecuteScalarAsync<DateTime?>("""
            SELECT min(t) FROM (
                SELECT min(first_ts) AS t FROM rollup_batches WHERE site_id = @siteId
                UNION ALL SELECT min(hour) FROM rollup_dirty_hours WHERE site_id = @siteId
            ) pending
            """, new { siteId });
        return hour is { } h ? new DateTimeOffset(DateTime.SpecifyKind(h, DateTimeKind.Utc)) : null;
    }

    /// <summary>The filters as SQL over the events table: columns from the fixed dimension table, values as parameters.</summary>
    internal static (string Sql, DynamicParameters Parameters) Filter(IReadOnlyList<DashboardFilter> filters)
    {
        var parameters = new DynamicParameters();
        var sql = new System.Text.StringBuilder();
        for (var i = 0; i < filters.Count; i++)
        {
            var column = DashboardDimensions.Find(filters[i].Dimension)?.Column
                ?? throw new ArgumentException($"'{filters[i].Dimension}' cannot filter.", nameof(filters));
            parameters.Add($"df{i}", filters[i].Value);
            sql.Append($" AND coalesce({column}, '') = @df{i}");
        }
        return (sql.ToString(), parameters);
    }

    private interface ISource
    {
        Task<Counts?> TotalsAsync(DateOnly from, DateOnly to);
        Task<IReadOnlyList<(DateTime Bucket, Counts Counts)>> SeriesAsync(DateOnly from, DateOnly to, string interval);
        Task<IReadOnlyList<TopRow>> TopAsync(DateOnly from, DateOnly to, DashboardDimension dimension);
    }

    private sealed class Rollups(RollupQueries q, long siteId) : ISource
    {
        public async Task<Counts?> TotalsAsync(DateOnly from, DateOnly to) => await q.AggregateAsync(siteId, from, to);

        public Task<IReadOnlyList<(DateTime Bucket, Counts Counts)>> SeriesAsync(DateOnly from, DateOnly to, string interval) =>
            q.SeriesAsync(siteId, from, to, interval);

        public async Task<IReadOnlyList<TopRow>> TopAsync(DateOnly from, DateOnly to, DashboardDimension dimension)
        {
            var rows = await q.TopAsync(siteId, from, to, dimension.Key, TopLimit + (dimension == DashboardDimensions.Event ? 1 : 0));
            return Goals(dimension, rows.Select(r => new TopRow(r.Value, r.Counts)));
        }
    }

    private sealed class Raw(StatsQueries q, Site site, (string Sql, DynamicParameters Parameters) filter) : ISource
    {
        private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);

        public async Task<Counts?> TotalsAsync(DateOnly from, DateOnly to) =>
            await q.AggregateAsync(site.Id, StatsPeriod.StartOfDay(from, _zone), StatsPeriod.StartOfDay(to.AddDays(1), _zone), filter);

        public Task<IReadOnlyList<(DateTime Bucket, Counts Counts)>> SeriesAsync(DateOnly from, DateOnly to, string interval) =>
            q.TimeseriesAsync(site.Id, site.Timezone, StatsPeriod.StartOfDay(from, _zone), StatsPeriod.StartOfDay(to.AddDays(1), _zone), interval, filter);

        public async Task<IReadOnlyList<TopRow>> TopAsync(DateOnly from, DateOnly to, DashboardDimension dimension)
        {
            // Entry and exit pages are properties of whole visits: only the rollups keep them.
            if (dimension.Column is null) return [];
            var rows = await q.BreakdownAsync(site.Id, StatsPeriod.StartOfDay(from, _zone), StatsPeriod.StartOfDay(to.AddDays(1), _zone),
                dimension.Column, "", "visitors", TopLimit + (dimension == DashboardDimensions.Event ? 1 : 0), 0, filter);
            return Goals(dimension, rows.Select(r => new TopRow(r.Value, r.Counts)));
        }
    }

    /// <summary>The goals list is the custom events: pageviews have their own lists.</summary>
    private static IReadOnlyList<TopRow> Goals(DashboardDimension dimension, IEnumerable<TopRow> rows) =>
        dimension == DashboardDimensions.Event ? rows.Where(r => r.Value != Ingestion.TrackedEvent.Pageview).Take(TopLimit).ToList() : rows.ToList();
}
