using LiveAnalytics.Stats;

namespace LiveAnalytics.Dashboard;

public sealed partial class DashboardQueries
{
    /// <summary>The filters as SQL over the events table: columns from the fixed dimension table, values as parameters.</summary>
    /// <param name="among">Also: only these values of a dimension (a list's own values, to read what they are without the
    /// list's other filters).</param>
    internal static EventFilter Filter(IReadOnlyList<DashboardFilter> filters, (DashboardDimension Dimension, string[] Values)? among = null)
    {
        var built = new EventFilterBuilder();
        Add(built, filters);
        if (among is { } a)
        {
            built.Parameters.Add("among", a.Values);
            built.Add($" AND coalesce({a.Dimension.Column}, '') = ANY(@among)", PeriodEvents.Needs(a.Dimension.Column), a.Dimension.Column);
        }
        return built.Build();
    }

    /// <summary>Adds the filters' conditions, their parameters named <c>df</c>/<c>dk</c> and a number (the Stats API's
    /// own are <c>f</c> and a number, so a segment's filters join a request's).</summary>
    internal static void Add(EventFilterBuilder built, IReadOnlyList<DashboardFilter> filters)
    {
        var parameters = built.Parameters;
        for (var i = 0; i < filters.Count; i++)
        {
            var dimension = DashboardDimensions.Find(filters[i].Dimension)
                ?? throw new ArgumentException($"'{filters[i].Dimension}' cannot filter.", nameof(filters));
            if (dimension == DashboardDimensions.Goal)
            {
                // As the goals card counts it: a page goal's events on matching pages, an event goal's by name.
                var page = filters[i].Value.StartsWith(StatsFilters.PageGoalPrefix, StringComparison.Ordinal);
                parameters.Add($"df{i}", page ? StatsFilters.Like(filters[i].Value[StatsFilters.PageGoalPrefix.Length..]) : filters[i].Value);
                built.Add(page ? $" AND pathname LIKE @df{i}" : $" AND name = @df{i}", VisitFacts.None, page ? "pathname" : "name");
                continue;
            }
            var column = dimension.Column;
            if (dimension.PropertyName is { } name)
            {
                parameters.Add($"dk{i}", name);
                column = StatsFilters.PropColumn($"dk{i}");
            }
            parameters.Add($"df{i}", filters[i].Value);
            built.Add($" AND coalesce({column}, '') = @df{i}", PeriodEvents.Needs(column), dimension.Column);
        }
    }
}
