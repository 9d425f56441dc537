using LiveAnalytics.Stats;

namespace LiveAnalytics.Dashboard;

/// <summary>Everything one dashboard view shows.</summary>
/// <param name="Previous">The compared period's totals, when comparing.</param>
/// <param name="Tops">The top values of each dimension, by unique visitors: one more than a card shows when there are more (<see cref="HasMore"/>).</param>
/// <param name="FromRollups">False when filters made the dashboard read the table of visits or the raw events.</param>
/// <param name="PendingSince">The earliest stored hour (UTC) not yet in the rollups, if any.</param>
public sealed record DashboardData(
    DashboardRange Range, Counts Totals, Counts? Previous, IReadOnlyList<SeriesPoint> Series,
    IReadOnlyDictionary<string, IReadOnlyList<TopRow>> Tops, bool FromRollups, DateTimeOffset? PendingSince)
{
    /// <summary>Filtered, and read from the table of visits, which the rollup job keeps (so it lags as the rollups do).</summary>
    public bool FromVisits { get; init; }

    /// <summary>
    /// Under a custom event's filter (<see cref="DashboardView.ShowsConversions"/>): the period's unique visitors under
    /// the other filters, which the conversion rate divides by; and the compared period's. Null otherwise.
    /// </summary>
    public long? AllVisitors { get; init; }

    public long? PreviousAllVisitors { get; init; }

    /// <summary>
    /// The visitors a conversion rate divides by: the period's under the view's filters, a custom event's left out (under
    /// "Signup", every visitor, not only those who signed up).
    /// </summary>
    public long ConversionBase => AllVisitors ?? Totals.Visitors;

    /// <summary>The site's goals with their conversions in the period, in the order they are listed.</summary>
    public IReadOnlyList<GoalRow> Goals { get; init; } = [];

    public bool IsEmpty => Totals.Events == 0;

    /// <summary>A list's values as its card shows them: up to <see cref="DashboardQueries.TopLimit"/>.</summary>
    public IReadOnlyList<TopRow> Top(DashboardDimension dimension) =>
        !Tops.TryGetValue(dimension.Key, out var rows) ? [] : rows.Count > DashboardQueries.TopLimit ? rows.Take(DashboardQueries.TopLimit).ToList() : rows;

    /// <summary>Whether the list has more values than its card shows (it was read with one more): "See all" lists them.</summary>
    public bool HasMore(DashboardDimension dimension) => Tops.TryGetValue(dimension.Key, out var rows) && rows.Count > DashboardQueries.TopLimit;

    /// <summary>Whether the list was read (a tab not opened yet is read when it is).</summary>
    public bool HasTop(DashboardDimension dimension) => Tops.ContainsKey(dimension.Key);

    public DashboardData WithTop(DashboardDimension dimension, IReadOnlyList<TopRow> rows) =>
        this with { Tops = new Dictionary<string, IReadOnlyList<TopRow>>(Tops) { [dimension.Key] = rows } };
}

/// <param name="Previous">The same position in the compared period (its first hour, day or month, and so on).</param>
public sealed record SeriesPoint(DateTime Bucket, Counts Current, Counts? Previous);

public sealed record TopRow(string Value, Counts Counts)
{
    /// <summary>A page's engagement, when its list is the pages' and its views reported any.</summary>
    public PageEngagement? Engagement { get; init; }

    /// <summary>
    /// Under a custom event's or a goal's filter: the value's visitors in the period (of the visits the other filters keep),
    /// converted or not, which its conversion rate divides by (Google's 40 visitors, of whom 4 bought: 10 %). Null otherwise.
    /// </summary>
    public long? AllVisitors { get; init; }

    /// <summary>An exit page's pageviews in all (from the rollups; under filters on a visit, in the visits kept), which its exit rate divides its exits by.</summary>
    public long? PagePageviews { get; init; }
}

/// <param name="Counts">Visitors: unique conversions; Events: conversions (pageviews of the pages, for a page goal); Revenue.</param>
public sealed record GoalRow(Goal Goal, Counts Counts);
