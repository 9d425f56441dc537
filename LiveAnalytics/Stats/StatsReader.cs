using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>
/// Where the Stats API reads. With no filter, the rollups the dashboard reads: the same figures as the merchant sees
/// there (unique visitors from the hourly sketches, within about 2 % at large counts, exact at small ones) in
/// milliseconds at any range, where the raw events take minutes over months of a busy site. A filter, a custom
/// property, a dimension the rollups do not keep, or a sort they cannot rank by reads the raw events.
/// </summary>
public sealed class StatsReader(StatsQueries raw, RollupQueries rollups, Npgsql.NpgsqlDataSource db)
{
    /// <summary>The Stats API's properties that are dimensions of the rollups, ranked there by visitors.</summary>
    private static readonly Dictionary<string, string> RollupDimensions = new()
    {
        ["event:page"] = "page", ["visit:source"] = "source", ["visit:referrer"] = "referrer", ["visit:entry_page"] = "entry_page",
        ["visit:utm_source"] = "utm_source", ["visit:utm_medium"] = "utm_medium", ["visit:utm_campaign"] = "utm_campaign",
        ["visit:device"] = "device", ["visit:browser"] = "browser", ["visit:os"] = "os", ["visit:country"] = "country",
    };

    /// <summary>What a page's rollups keep: they count events, not the visits that reached the page.</summary>
    private static readonly string[] EventMetrics = ["visitors", "pageviews", "events"];

    public Task<Counts> AggregateAsync(long siteId, StatsRange period, EventFilter filter) => filter.IsEmpty
        ? rollups.AggregateAsync(siteId, period.First, period.Last)
        : raw.AggregateAsync(siteId, period.From, period.To, filter);

    /// <param name="interval">hour, day or month.</param>
    public Task<IReadOnlyList<(DateTime Bucket, Counts Counts)>> TimeseriesAsync(Site site, StatsRange period, string interval, EventFilter filter) => filter.IsEmpty
        ? rollups.SeriesAsync(site.Id, period.First, period.Last, interval)
        : raw.TimeseriesAsync(site.Id, site.Timezone, period.From, period.To, interval, filter);

    /// <param name="property">The Stats API's name of the property (event:page…); <paramref name="column"/> and
    /// <paramref name="missing"/> are what <see cref="StatsFilters.Properties"/> gives for it.</param>
    /// <param name="metrics">What the rows give, sorted by the first.</param>
    public async Task<IReadOnlyList<(string Value, Counts Counts)>> BreakdownAsync(long siteId, StatsRange period, string property,
        string column, string missing, string[] metrics, int limit, int offset, EventFilter filter, string? propKey)
    {
        if (filter.IsEmpty && propKey is null && metrics[0] == "visitors" && RollupDimensions.TryGetValue(property, out var dimension)
            && (dimension != "page" || metrics.All(EventMetrics.Contains)))
        {
            var top = await rollups.TopAsync(siteId, period.First, period.Last, dimension, offset + limit);
            return top.Skip(offset).Select(r => (r.Value.Length == 0 ? missing : r.Value, r.Counts)).ToList();
        }
        return await raw.BreakdownAsync(siteId, period.From, period.To, column, missing, metrics[0], limit, offset, filter, propKey);
    }

    /// <summary>The pages' engagement: from the hourly sums without a filter, of the visits it keeps with one.</summary>
    public Task<IReadOnlyDictionary<string, Dashboard.PageEngagement>> EngagementAsync(long siteId, StatsRange period,
        IReadOnlyCollection<string> pages, EventFilter filter) => filter.IsEmpty
        ? Dashboard.PageEngagements.ReadAsync(db, siteId, period.From, period.To, pages)
        : Dashboard.PageEngagements.ReadAsync(db, siteId, period.From, period.To, filter);
}
