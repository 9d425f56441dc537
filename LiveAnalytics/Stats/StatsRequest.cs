using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>What every Stats API query shares, checked once: metrics, the period (as the site's local days, and as a
/// [from, to) range of instants), filters.</summary>
/// <param name="Previous">The period <c>compare=previous_period</c> compares with.</param>
public sealed record StatsRequest(string[] Metrics, StatsRange Period, EventFilter Filter, StatsRange Previous)
{
    public static readonly string[] SupportedMetrics =
        ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration", "events", TotalRevenue, AverageRevenue];

    /// <summary>
    /// The revenue of the events kept, in the site's revenue currency (to two decimals; amounts of one period are
    /// added whatever their currency, as on the dashboard); and per conversion, the revenue over the conversions of a
    /// goal's filter (or of each goal of a breakdown by event:goal).
    /// </summary>
    public const string TotalRevenue = "total_revenue", AverageRevenue = "average_revenue";

    /// <summary>
    /// The percent of visitors who converted (to one decimal), as Plausible gives it: under a filter on a goal or a
    /// custom event, of the visitors the other filters keep; in a breakdown by event:goal, of those the filters keep.
    /// </summary>
    public const string ConversionRate = "conversion_rate";

    /// <summary>With <see cref="ConversionRate"/>: the filters without the goal's, whose visitors it divides by (null without a goal filter).</summary>
    public EventFilter? ConversionBase { get; init; }

    /// <summary>What <see cref="ConversionBase"/> was read from: the request's other filters and its segments' without their goals.</summary>
    private (IReadOnlyList<StatsClause> Clauses, IReadOnlyList<DashboardFilter> Segment) _conversionOthers = ([], []);

    /// <summary>
    /// <see cref="ConversionBase"/> kept to some values of a breakdown's column (a custom property's when
    /// <paramref name="propKey"/> names one; '' for none): the visitors each value's conversion rate divides by.
    /// </summary>
    public EventFilter ConversionBaseAmong(string column, string? propKey, string[] values) =>
        StatsFilters.Build(_conversionOthers.Clauses, _conversionOthers.Segment, (column, propKey, values)).Filter;

    /// <summary>What <see cref="Filter"/> was read from: the request's filters and its segments'.</summary>
    private (IReadOnlyList<StatsClause> Clauses, IReadOnlyList<DashboardFilter> Segment) _filters = ([], []);

    /// <summary>The request with its filters kept to some values of a column (a custom property's when
    /// <paramref name="propKey"/> names one; '' for none): another period's counts of the values a page of rows lists.</summary>
    public StatsRequest Among(string column, string? propKey, string[] values) =>
        this with { Filter = StatsFilters.Build(_filters.Clauses, _filters.Segment, (column, propKey, values)).Filter };

    public bool WantsConversionRate => Metrics.Contains(ConversionRate);

    /// <summary>Whether a filter (or a segment) names a goal or a custom event: what a conversion is, for a rate or an average.</summary>
    public bool HasGoal { get; private init; }

    /// <summary><see cref="AverageRevenue"/> is asked for without a goal to average over (a breakdown by event:goal has its goals).</summary>
    public bool AverageNeedsGoal => Metrics.Contains(AverageRevenue) && !HasGoal;

    /// <summary>A page's engagement (seconds looked at, percent read, on average over its engaged views): in a breakdown
    /// by event:page only, after the metric it is sorted by.</summary>
    public static readonly string[] PageMetrics = ["time_on_page", "scroll_depth"];

    public bool WantsPageMetrics => Metrics.Any(PageMetrics.Contains);

    /// <returns>The request, or an error that says what is wrong (for a 400).</returns>
    /// <param name="segment">The filters of the segments <paramref name="filters"/> named (<see cref="StatsSegments"/>), taken out of it.</param>
    public static (StatsRequest? Request, string? Error) Read(Site site, string? period, string? date, string? metrics, string? filters, DateTimeOffset now,
        IReadOnlyList<DashboardFilter>? segment = null)
    {
        var (clauses, error) = StatsFilters.Read(filters);
        return clauses is null ? (null, error)
            : Read(site, period, date, (metrics ?? "visitors").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), clauses, now, segment);
    }

    /// <summary>As the other, from filters already read into clauses (the v2 query's).</summary>
    /// <param name="instants">Instead of the days: [From, To), some hours (the v2 query's <c>24h</c> and times of day).</param>
    public static (StatsRequest? Request, string? Error) Read(Site site, string? period, string? date, IReadOnlyList<string> metrics,
        IReadOnlyList<StatsClause> clauses, DateTimeOffset now, IReadOnlyList<DashboardFilter>? segment = null, (DateTimeOffset From, DateTimeOffset To)? instants = null)
    {
        segment ??= [];
        var wanted = metrics.Distinct().ToArray();
        var unsupported = wanted.FirstOrDefault(m => !SupportedMetrics.Contains(m) && !PageMetrics.Contains(m) && m != ConversionRate);
        if (wanted.Length == 0 || unsupported is not null)
            return (null, $"Unsupported metric '{unsupported}': use one or more of {string.Join(", ", SupportedMetrics.Concat(PageMetrics).Append(ConversionRate))}.");
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
        if (!StatsPeriod.TryResolve(period, date, zone, now, out var first, out var last, out var error)) return (null, error);
        var (filter, filterError) = StatsFilters.Build(clauses, segment);
        if (filterError is not null) return (null, filterError);
        EventFilter? conversionBase = null;
        (IReadOnlyList<StatsClause>, IReadOnlyList<DashboardFilter>) others = ([], []);
        var (rest, hadGoal) = StatsFilters.WithoutGoals(clauses);
        // A segment's goal is one too, as the history page's conversion rate counts it.
        var hasGoal = rest is not null && (hadGoal || segment.Any(DashboardView.IsConversion));
        if (wanted.Contains(ConversionRate))
        {
            if (rest is null) return (null, $"{ConversionRate} needs a goal to convert to: a filter event:goal== (or event:name==), not !=.");
            if (hasGoal)
            {
                others = (rest!, segment.Where(f => !DashboardView.IsConversion(f)).ToList());
                conversionBase = StatsFilters.Build(others.Item1, others.Item2).Filter;
            }
        }
        var (previousFirst, previousLast) = StatsPeriod.Previous(period, first, last);
        var (range, previous) = instants is { } i
            ? (StatsRange.Between(i.From, i.To, zone), StatsRange.Between(i.From - (i.To - i.From), i.From, zone))
            : (StatsRange.Of(first, last, zone), StatsRange.Of(previousFirst, previousLast, zone));
        return (new StatsRequest(wanted, range, filter, previous)
        {
            ConversionBase = conversionBase,
            _conversionOthers = others,
            _filters = (clauses, segment),
            HasGoal = hasGoal,
        }, null);
    }
}

/// <summary>A period of whole local days: <paramref name="First"/> to <paramref name="Last"/> (included) for the rollups,
/// the same as the instants [<paramref name="From"/>, <paramref name="To"/>) for the raw events; or of some hours
/// (<see cref="Partial"/>), over the local days they touch.</summary>
public sealed record StatsRange(DateOnly First, DateOnly Last, DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>Not whole local days (the last 24 hours, times of day): the rollups, which hold days, cannot answer it.</summary>
    public bool Partial { get; private init; }

    public static StatsRange Of(DateOnly first, DateOnly last, TimeZoneInfo zone)
    {
        var (from, to) = StatsPeriod.Days(first, last, zone);
        return new StatsRange(first, last, from, to);
    }

    /// <summary>The instants [<paramref name="from"/>, <paramref name="to"/>), over the local days they touch.</summary>
    public static StatsRange Between(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone)
    {
        var first = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, zone).DateTime);
        var last = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(to.AddTicks(-1), zone).DateTime);
        return new StatsRange(first, last, from.ToUniversalTime(), to.ToUniversalTime()) { Partial = (from, to) != StatsPeriod.Days(first, last, zone) };
    }
}
