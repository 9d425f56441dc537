using System.Globalization;

namespace LiveAnalytics.Dashboard;

/// <summary>A filter the merchant clicked: only events (or visits) whose dimension has this value; '' is a missing value.</summary>
public sealed record DashboardFilter(string Dimension, string Value)
{
    /// <summary>As the URL carries it: <c>source:Google</c>.</summary>
    public override string ToString() => $"{Dimension}:{Value}";
}

/// <summary>What the period is compared with: nothing, the period just before it, the same dates a year before, or days
/// of the merchant's choosing (<see cref="DashboardView.CompareFrom"/>).</summary>
public enum Comparison { None, Previous, Year, Custom }

/// <summary>
/// What the dashboard shows, exactly as the URL carries it so that a view can be shared:
/// <c>?period=custom&amp;from=2026-01-01&amp;to=2026-01-31&amp;compare=previous&amp;f=source:Google&amp;f=country:DE&amp;metric=visits&amp;interval=week</c>.
/// </summary>
public sealed record DashboardView(string Period, DateOnly? From, DateOnly? To, Comparison Compare, IReadOnlyList<DashboardFilter> Filters, string Metric)
{
    /// <summary>The chart's step the merchant chose (hour, day, week, month), kept while the period allows it (see
    /// <see cref="IntervalsFor"/>); null: the period's own.</summary>
    public string? Interval { get; init; }

    /// <summary>The saved segment the filters were picked from (the page offers to update it once they change); only
    /// with filters.</summary>
    public long? SegmentId { get; init; }

    /// <summary>With <see cref="Comparison.Custom"/>: the days compared with, both included.</summary>
    public DateOnly? CompareFrom { get; init; }

    public DateOnly? CompareTo { get; init; }

    /// <summary>With the previous period or a year before: the compared days moved to start on the period's first weekday
    /// (this Black Friday against last year's, a Friday, not against the same date).</summary>
    public bool MatchDayOfWeek { get; init; }

    public static readonly IReadOnlyList<(string Key, string Label)> AllIntervals = [("hour", "Hours"), ("day", "Days"), ("week", "Weeks"), ("month", "Months")];

    public static readonly IReadOnlyList<(string Key, string Label)> Periods =
    [
        ("today", "Today"), ("yesterday", "Yesterday"), ("7d", "Last 7 days"), ("30d", "Last 30 days"),
        ("month", "This month"), ("lastmonth", "Last month"), ("year", "This year"), ("12mo", "Last 12 months"),
        ("custom", "Custom range"),
    ];

    /// <summary>The metrics the chart can plot.</summary>
    public static readonly IReadOnlyList<(string Key, string Label)> Metrics =
    [
        ("visitors", "Unique visitors"), ("visits", "Visits"), ("pageviews", "Pageviews"), ("views_per_visit", "Views per visit"),
        ("bounce_rate", "Bounce rate"), ("visit_duration", "Visit duration"),
    ];

    /// <summary>Revenue charts too; its box shows when the period or the one compared has any, or while it is charted.</summary>
    public const string Revenue = "revenue";

    /// <summary>
    /// Under a filter on a custom event or a goal, what the bar shows and the chart can plot instead: the visitors who
    /// converted and how many times (with the conversion rate beside them, and revenue when there is any). A page goal's
    /// times are its pageviews, as the goals card counts them; a custom event's, its events.
    /// </summary>
    public IReadOnlyList<(string Key, string Label)> ConversionMetrics =>
        [("visitors", "Unique conversions"), (Filters.Where(IsConversion).All(IsPageGoal) ? "pageviews" : "events", "Total conversions")];

    private static bool IsPageGoal(DashboardFilter filter) =>
        filter.Dimension == DashboardDimensions.Goal.Key && filter.Value.StartsWith(Stats.StatsFilters.PageGoalPrefix, StringComparison.Ordinal);

    private static readonly IReadOnlyList<string> ChartMetrics = [.. Metrics.Select(m => m.Key), "events", Revenue];

    public static string LabelOf(string metric) => metric switch
    {
        Revenue => "Revenue",
        "events" => "Events",
        _ => Metrics.First(m => m.Key == metric).Label,
    };

    /// <summary>Whether the view filters on a custom event or a goal, and so shows its conversions.</summary>
    public bool ShowsConversions => Filters.Any(IsConversion);

    /// <summary>A filter on a custom event or a goal: what a conversion rate is of.</summary>
    public static bool IsConversion(DashboardFilter filter) => filter.Dimension == DashboardDimensions.Event.Key || filter.Dimension == DashboardDimensions.Goal.Key;

    /// <summary>The metric the chart plots: under a custom event's or a goal's filter, one of its conversions' (or revenue).</summary>
    public string ChartMetric => !ShowsConversions || Metric == Revenue || ConversionMetrics.Any(m => m.Key == Metric) ? Metric : "visitors";

    /// <summary>The chart's label for <paramref name="metric"/> in this view.</summary>
    public string ChartLabel(string metric) =>
        ShowsConversions && ConversionMetrics.FirstOrDefault(m => m.Key == metric).Label is { } label ? label : LabelOf(metric);

    public const int MaxFilters = 10;
    public const int MaxCustomDays = 3 * 366;

    /// <summary>The days a view, a comparison or the Stats API may name: far enough from the calendar's ends that the
    /// years before them and the day after exist.</summary>
    public static readonly DateOnly FirstDay = new(1970, 1, 1), LastDay = new(2999, 12, 31);

    /// <summary>What is wrong with days outside <see cref="FirstDay"/> to <see cref="LastDay"/>, for <paramref name="what"/>; null when nothing is.</summary>
    public static string? OutOfRange(DateOnly first, DateOnly last, string what) =>
        first < FirstDay || last > LastDay ? $"{what} must lie between {FirstDay:yyyy-MM-dd} and {LastDay:yyyy-MM-dd}." : null;

    public static readonly DashboardView Default = new("30d", null, null, Comparison.None, [], "visitors");

    /// <summary>Reads the URL's values; anything wrong gives the default view and a message that says what was wrong.</summary>
    /// <param name="compareFrom">With <c>compare=custom</c>: the compared days (<paramref name="compareTo"/> the last).</param>
    /// <param name="matchDayOfWeek"><c>true</c> (with the previous period or a year before): see <see cref="MatchDayOfWeek"/>.</param>
    public static (DashboardView View, string? Error) Parse(string? period, string? from, string? to, string? compare, IEnumerable<string>? filters, string? metric,
        string? interval = null, string? segment = null, string? compareFrom = null, string? compareTo = null, string? matchDayOfWeek = null)
    {
        period = string.IsNullOrEmpty(period) ? Default.Period : period;
        if (Periods.All(p => p.Key != period))
            return (Default, $"'period' must be one of: {string.Join(", ", Periods.Select(p => p.Key))}.");
        metric = string.IsNullOrEmpty(metric) ? Default.Metric : metric;
        if (!ChartMetrics.Contains(metric))
            return (Default, $"'metric' must be one of: {string.Join(", ", ChartMetrics)}.");
        if (compare is not (null or "" or "previous" or "year" or "custom" or "off"))
            return (Default, "'compare' must be 'previous', 'year', 'custom' or 'off'.");
        if (matchDayOfWeek is not (null or "" or "true" or "false"))
            return (Default, "'match_day_of_week' must be true or false.");
        if (!string.IsNullOrEmpty(interval) && AllIntervals.All(i => i.Key != interval))
            return (Default, $"'interval' must be one of: {string.Join(", ", AllIntervals.Select(i => i.Key))}.");
        long? segmentId = null;
        if (!string.IsNullOrEmpty(segment))
        {
            if (!long.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
                return (Default, "'segment' must be a saved segment's id.");
            segmentId = id;
        }

        DateOnly? first = null, last = null;
        if (period == "custom")
        {
            var (f, t, error) = Days(from, to, "from", "to", "range");
            if (error is not null) return (Default, error);
            (first, last) = (f, t);
        }

        var parsed = new List<DashboardFilter>();
        foreach (var text in filters ?? [])
        {
            // A custom property's filter is prop:NAME:VALUE; the others dimension:VALUE.
            var colon = text.IndexOf(':', text.StartsWith(DashboardDimensions.PropertyPrefix, StringComparison.Ordinal) ? DashboardDimensions.PropertyPrefix.Length : 0);
            var dimension = colon < 0 ? null : DashboardDimensions.Find(text[..colon]);
            if (dimension is null)
                return (Default, $"Filter '{Clip(text)}' must be dimension:value with a dimension from: {string.Join(", ", DashboardDimensions.All.Select(d => d.Key))}, or prop:NAME for a custom property.");
            var value = text[(colon + 1)..];
            if (value.Length > 2000) return (Default, $"Filter '{Clip(text)}' has a value longer than 2,000 characters.");
            // Ingestion refuses them, so no stored value has one (and PostgreSQL refuses a NUL in any text).
            if (value.Any(char.IsControl)) return (Default, $"Filter '{Clip(text)}' holds a control character, which no stored value has.");
            var filter = new DashboardFilter(dimension.Key, value);
            if (!parsed.Contains(filter)) parsed.Add(filter);
        }
        if (parsed.Count > MaxFilters) return (Default, $"At most {MaxFilters} filters can be combined.");
        DateOnly? compareFirst = null, compareLast = null;
        if (compare == "custom")
        {
            var (f, t, error) = Days(compareFrom, compareTo, "compare_from", "compare_to", "comparison");
            if (error is not null) return (Default, error);
            (compareFirst, compareLast) = (f, t);
        }
        var comparison = compare switch { "previous" => Comparison.Previous, "year" => Comparison.Year, "custom" => Comparison.Custom, _ => Comparison.None };
        return (new DashboardView(period, first, last, comparison, parsed, metric)
        {
            Interval = string.IsNullOrEmpty(interval) ? null : interval,
            SegmentId = parsed.Count == 0 ? null : segmentId,
            CompareFrom = compareFirst,
            CompareTo = compareLast,
            MatchDayOfWeek = matchDayOfWeek == "true" && comparison is Comparison.Previous or Comparison.Year,
        }, null);
    }

    /// <summary>As <see cref="Parse"/>, from a request's query string (the exports', which carry the page's view).</summary>
    public static (DashboardView View, string? Error) Parse(Microsoft.AspNetCore.Http.IQueryCollection q) =>
        Parse(q["period"], q["from"], q["to"], q["compare"], q["f"].OfType<string>(), q["metric"], q["interval"],
            compareFrom: q["compare_from"], compareTo: q["compare_to"], matchDayOfWeek: q["match_day_of_week"]);

    public DashboardView WithFilter(DashboardFilter filter) =>
        Filters.Contains(filter) || Filters.Count >= MaxFilters ? this : this with { Filters = [.. Filters.Where(f => f.Dimension != filter.Dimension), filter] };

    public DashboardView WithoutFilter(DashboardFilter filter) => this with { Filters = [.. Filters.Where(f => f != filter)] };

    /// <summary>The query string values for <see cref="Parse"/>, defaults left out so that links stay short.</summary>
    public IReadOnlyDictionary<string, object?> ToQuery() => new Dictionary<string, object?>
    {
        ["period"] = Period == Default.Period ? null : Period,
        ["from"] = From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["to"] = To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["compare"] = Compare switch { Comparison.Previous => "previous", Comparison.Year => "year", Comparison.Custom => "custom", _ => null },
        ["compare_from"] = Compare == Comparison.Custom ? CompareFrom?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
        ["compare_to"] = Compare == Comparison.Custom ? CompareTo?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
        ["match_day_of_week"] = MatchDayOfWeek && Compare is Comparison.Previous or Comparison.Year ? "true" : null,
        ["f"] = Filters.Count == 0 ? null : Filters.Select(f => f.ToString()).ToArray(),
        ["metric"] = Metric == Default.Metric ? null : Metric,
        ["interval"] = Interval,
        ["segment"] = Filters.Count == 0 ? null : SegmentId?.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The local days shown, the chart's step, and the period compared with.</summary>
    public DashboardRange Resolve(DateOnly today)
    {
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        var yearStart = new DateOnly(today.Year, 1, 1);
        var (first, last) = Period switch
        {
            "today" => (today, today),
            "yesterday" => (today.AddDays(-1), today.AddDays(-1)),
            "7d" => (today.AddDays(-6), today),
            "30d" => (today.AddDays(-29), today),
            "month" => (monthStart, monthStart.AddMonths(1).AddDays(-1)),
            "lastmonth" => (monthStart.AddMonths(-1), monthStart.AddDays(-1)),
            "year" => (yearStart, yearStart.AddYears(1).AddDays(-1)),
            "12mo" => (monthStart.AddMonths(-11), today),
            _ => (From!.Value, To!.Value),
        };
        var days = last.DayNumber - first.DayNumber + 1;
        var interval = Interval is { } chosen && IntervalsFor(days).Contains(chosen) ? chosen : days == 1 ? "hour" : days <= 92 ? "day" : "month";
        // A year before: the same dates (or the same weekdays). Otherwise calendar periods compare with the calendar period
        // before, the others with as many days just before (or whole weeks before); a custom comparison with its own days.
        var (previousFirst, previousLast) = Compare switch
        {
            Comparison.Custom when CompareFrom is { } f && CompareTo is { } t => (f, t),
            Comparison.Year => MatchDayOfWeek ? Stats.StatsComparison.SameWeekdayYearBefore(first, last) : (first.AddYears(-1), last.AddYears(-1)),
            _ when MatchDayOfWeek => Stats.StatsComparison.WeeksBefore(first, last),
            _ => Period switch
            {
                "month" => (monthStart.AddMonths(-1), monthStart.AddDays(-1)),
                "lastmonth" => (monthStart.AddMonths(-2), monthStart.AddMonths(-1).AddDays(-1)),
                "year" => (yearStart.AddYears(-1), yearStart.AddDays(-1)),
                "12mo" => (monthStart.AddMonths(-23), monthStart.AddMonths(-11).AddDays(-1)),
                _ => (first.AddDays(-days), first.AddDays(-1)),
            },
        };
        return new DashboardRange(first, last, interval, previousFirst, previousLast);
    }

    /// <summary>The steps a chart of so many days can take: hours up to a week, days up to a year, weeks from two weeks,
    /// months from two months (few enough points to read, enough to draw a line).</summary>
    public static IReadOnlyList<string> IntervalsFor(int days) =>
        [.. AllIntervals.Select(i => i.Key).Where(i => i switch { "hour" => days <= 7, "day" => days is > 1 and <= 366, "week" => days >= 14, _ => days >= 56 })];

    // Two views with the same filters in the same order are the same view (a record alone compares the lists by reference).
    public bool Equals(DashboardView? other) =>
        other is not null && (Period, From, To, Compare, Metric, Interval, SegmentId) == (other.Period, other.From, other.To, other.Compare, other.Metric, other.Interval, other.SegmentId)
        && (CompareFrom, CompareTo, MatchDayOfWeek) == (other.CompareFrom, other.CompareTo, other.MatchDayOfWeek) && Filters.SequenceEqual(other.Filters);

    public override int GetHashCode() => HashCode.Combine(Period, From, To, Compare, Metric, Interval, SegmentId, Filters.Count);

    /// <summary>Two days the URL carries under <paramref name="fromKey"/> and <paramref name="toKey"/>, both included.</summary>
    private static (DateOnly First, DateOnly Last, string? Error) Days(string? from, string? to, string fromKey, string toKey, string what)
    {
        if (!TryDate(from, out var f) || !TryDate(to, out var t)) return (f, f, $"A custom {what} needs '{fromKey}' and '{toKey}' as YYYY-MM-DD.");
        if (t < f) return (f, t, $"'{toKey}' must not be before '{fromKey}'.");
        if (OutOfRange(f, t, $"A custom {what}") is { } outside) return (f, t, outside);
        return t.DayNumber - f.DayNumber >= MaxCustomDays ? (f, t, $"A custom {what} can span at most {MaxCustomDays} days.") : (f, t, null);
    }

    private static bool TryDate(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    private static string Clip(string s) => Infrastructure.Quoted.Clip(s, 60);
}

/// <param name="Interval">The chart's step: the one chosen when the period allows it; else hour for one day, month beyond 92 days, day otherwise.</param>
public sealed record DashboardRange(DateOnly First, DateOnly Last, string Interval, DateOnly PreviousFirst, DateOnly PreviousLast)
{
    /// <summary>The steps the period's chart can take (<see cref="DashboardView.IntervalsFor"/>).</summary>
    public IReadOnlyList<string> Intervals => DashboardView.IntervalsFor(Last.DayNumber - First.DayNumber + 1);
}
