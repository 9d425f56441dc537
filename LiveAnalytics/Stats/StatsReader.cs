using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>
/// Where the Stats API reads. With no filter, the rollups the dashboard reads: the same figures as the merchant sees
/// there (unique visitors from the hourly sketches, within about 2 % at large counts, exact at small ones) in
/// milliseconds at any range, where the raw events take minutes over months of a busy site. Filters on a visit's own
/// dimensions and the events' own columns, the table of visits once it holds the period, counted as the rollups count
/// (as the dashboard's filtered views are, <see cref="Dashboard.VisitsDashboard"/>). Other filters (UTM content and
/// term), a breakdown by a custom property, a dimension neither keeps, or a sort they cannot rank by read the raw events.
/// </summary>
public sealed class StatsReader(StatsQueries raw, RollupQueries rollups, Npgsql.NpgsqlDataSource db)
{
    /// <summary>The Stats API's properties that are dimensions of the rollups, ranked there by visitors or by revenue.</summary>
    internal static readonly Dictionary<string, string> RollupDimensions = new()
    {
        ["event:page"] = "page", ["visit:source"] = "source", ["visit:referrer"] = "referrer", ["visit:entry_page"] = "entry_page",
        ["visit:channel"] = "channel",
        ["visit:utm_source"] = "utm_source", ["visit:utm_medium"] = "utm_medium", ["visit:utm_campaign"] = "utm_campaign",
        ["visit:device"] = "device", ["visit:browser"] = "browser", ["visit:os"] = "os", ["visit:country"] = "country",
        ["visit:region_name"] = "region", ["visit:city_name"] = "city",
    };

    /// <summary>What a page's rollups keep: they count events, not the visits that reached the page.</summary>
    internal static readonly string[] EventMetrics = ["visitors", "pageviews", "events", StatsRequest.TotalRevenue];

    /// <summary>The Stats API's properties the table of visits lists, as the dashboard's dimensions.</summary>
    private static readonly Dictionary<string, Dashboard.DashboardDimension> VisitDimensions =
        Dashboard.DashboardDimensions.All.Where(d => d != Dashboard.DashboardDimensions.ExitPage)   // ranked by exits there
            .ToDictionary(d => StatsFilters.Properties.Single(p => p.Value.Column == d.Column).Key);   // the property reading its column

    public async Task<Counts> AggregateAsync(long siteId, StatsRange period, EventFilter filter) =>
        filter.IsEmpty && !period.Partial ? await rollups.AggregateAsync(siteId, period.First, period.Last)
        : await KeptVisits.AnswerAsync(db, siteId, period.From, filter)
            ? (await Dashboard.VisitsDashboard.LoadAsync(db, siteId, TimeZoneInfo.Utc, period.From, period.To, null, filter, [], 0)).Totals
            : await raw.AggregateAsync(siteId, period.From, period.To, filter);

    /// <param name="interval">hour, day, week or month.</param>
    public async Task<IReadOnlyList<(DateTime Bucket, Counts Counts)>> TimeseriesAsync(Site site, StatsRange period, string interval, EventFilter filter) =>
        filter.IsEmpty && !period.Partial ? await rollups.SeriesAsync(site.Id, period.First, period.Last, interval)
        : await KeptVisits.AnswerAsync(db, site.Id, period.From, filter)
            ? (await Dashboard.VisitsDashboard.LoadAsync(db, site.Id, TimeZoneInfo.FindSystemTimeZoneById(site.Timezone), period.From, period.To,
                interval, filter, [], 0)).Series
            : await raw.TimeseriesAsync(site.Id, site.Timezone, period.From, period.To, interval, filter);

    /// <param name="property">The Stats API's name of the property (event:page…); <paramref name="column"/> and
    /// <paramref name="missing"/> are what <see cref="StatsFilters.Properties"/> gives for it.</param>
    /// <param name="metrics">What the rows give, sorted by the first.</param>
    public async Task<IReadOnlyList<(string Value, Counts Counts)>> BreakdownAsync(long siteId, StatsRange period, string property,
        string column, string missing, string[] metrics, int limit, int offset, EventFilter filter, string? propKey)
    {
        if (filter.IsEmpty && !period.Partial && propKey is null && metrics[0] is ("visitors" or StatsRequest.TotalRevenue) && RollupDimensions.TryGetValue(property, out var dimension)
            && (dimension != "page" || metrics.All(EventMetrics.Contains)))
        {
            var top = metrics[0] == "visitors"
                ? (await rollups.TopAsync(siteId, period.First, period.Last, dimension, offset + limit)).Skip(offset)
                : await rollups.TopByRevenueAsync(siteId, period.First, period.Last, dimension, limit, offset);
            return top.Select(r => (r.Value.Length == 0 ? missing : r.Value, r.Counts)).ToList();
        }
        if (propKey is null && metrics[0] is ("visitors" or StatsRequest.TotalRevenue) && VisitDimensions.TryGetValue(property, out var listed)
            && (KeptVisits.Columns.Contains(listed.Column) || metrics.All(EventMetrics.Contains))
            && await KeptVisits.AnswerAsync(db, siteId, period.From, filter))
        {
            var read = await Dashboard.VisitsDashboard.LoadAsync(db, siteId, TimeZoneInfo.Utc, period.From, period.To, null, filter, [listed], offset + limit,
                engagement: false, byRevenue: metrics[0] == StatsRequest.TotalRevenue, totals: false);
            return read.Tops[listed.Key].Skip(offset).Select(r => (r.Value.Length == 0 ? missing : r.Value, r.Counts)).ToList();
        }
        return await raw.BreakdownAsync(siteId, period.From, period.To, column, missing, metrics[0], limit, offset, filter, propKey);
    }

    /// <summary>The pages' engagement: from the hourly sums without a filter, of the visits it keeps with one.</summary>
    public Task<IReadOnlyDictionary<string, Dashboard.PageEngagement>> EngagementAsync(long siteId, StatsRange period,
        IReadOnlyCollection<string> pages, EventFilter filter) => filter.IsEmpty
        ? Dashboard.PageEngagements.ReadAsync(db, siteId, period.From, period.To, pages)
        : Dashboard.PageEngagements.ReadAsync(db, siteId, period.From, period.To, filter);
}
