using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>What every Stats API query shares, checked once: metrics, the period as a [from, to) range, filters.</summary>
/// <param name="Previous">The period <c>compare=previous_period</c> compares with, as a [from, to) range.</param>
public sealed record StatsRequest(string[] Metrics, DateTimeOffset From, DateTimeOffset To, EventFilter Filter, (DateTimeOffset From, DateTimeOffset To) Previous)
{
    public static readonly string[] SupportedMetrics = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration", "events"];

    /// <returns>The request, or an error that says what is wrong (for a 400).</returns>
    public static (StatsRequest? Request, string? Error) Read(Site site, string? period, string? date, string? metrics, string? filters, DateTimeOffset now)
    {
        var wanted = (metrics ?? "visitors").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray();
        var unsupported = wanted.FirstOrDefault(m => !SupportedMetrics.Contains(m));
        if (wanted.Length == 0 || unsupported is not null)
            return (null, $"Unsupported metric '{unsupported}': use one or more of {string.Join(", ", SupportedMetrics)}.");
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
        if (!StatsPeriod.TryResolve(period, date, zone, now, out var first, out var last, out var error)) return (null, error);
        var (filter, filterError) = StatsFilters.Parse(filters);
        if (filterError is not null) return (null, filterError);
        var (from, to) = StatsPeriod.Days(first, last, zone);
        var (previousFirst, previousLast) = StatsPeriod.Previous(period, first, last);
        return (new StatsRequest(wanted, from, to, filter, StatsPeriod.Days(previousFirst, previousLast, zone)), null);
    }
}
