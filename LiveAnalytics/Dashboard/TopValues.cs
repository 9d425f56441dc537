using LiveAnalytics.Sites;
using LiveAnalytics.Stats;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// A top list beyond the card's ten: all of a dimension's values for the view, a page at a time, found by a search and
/// ranked by visitors (exit pages by exits) or by the revenue their visits brought. Without filters from the rollups, in
/// milliseconds however long the period (a search too); with filters from the table of visits or the events, as the
/// card's (the search then one more filter on the dimension).
/// </summary>
public sealed class TopValues(RollupQueries rollups, StatsReader reader, Npgsql.NpgsqlDataSource db)
{
    public const int PageSize = 100;

    /// <summary>At most this many rows are listed, a search narrows down the rest.</summary>
    public const int MaxRows = 1_000;

    /// <summary>A search's longest text; the rest is not read.</summary>
    public const int MaxSearch = 200;

    /// <summary>The lists that have a page of their own: the cards' (custom properties have their own card).</summary>
    public static bool Lists(DashboardDimension dimension) => dimension.PropertyName is null && PropertyOf(dimension) is not null;

    /// <summary>Whether the list shows revenue and can rank by it: a visit's own dimensions, not where its events happened
    /// or where it left.</summary>
    public static bool RanksByRevenue(DashboardDimension dimension) =>
        dimension != DashboardDimensions.Page && dimension != DashboardDimensions.ExitPage;

    /// <param name="search">Text the values hold (any case; for countries, their names or codes); blank for all.</param>
    public async Task<IReadOnlyList<TopRow>> ReadAsync(Site site, DashboardView view, DateOnly today, DashboardDimension dimension, string? search,
        bool byRevenue, int offset, int limit)
    {
        var property = PropertyOf(dimension) ?? throw new ArgumentException($"'{dimension.Key}' has no list of its own.", nameof(dimension));
        byRevenue &= RanksByRevenue(dimension);
        var range = view.Resolve(today);
        var period = StatsRange.Of(range.First, range.Last, TimeZoneInfo.FindSystemTimeZoneById(site.Timezone));
        var found = Search(dimension, search);
        if (found?.Values is [])
            return [];   // no country's name holds the text
        // The custom events' list is theirs alone: pageviews have the pages' lists.
        if (dimension == DashboardDimensions.Event) found = (found ?? new ValueSearch(null, null)) with { Except = [Ingestion.TrackedEvent.Pageview] };

        IReadOnlyList<(string Value, Counts Counts)> rows;
        if (view.Filters.Count == 0)
        {
            rows = byRevenue
                ? await rollups.TopByRevenueAsync(site.Id, period.First, period.Last, dimension.Key, limit, offset, found)
                : [.. (await rollups.TopAsync(site.Id, period.First, period.Last, dimension.Key, offset + limit, found)).Skip(offset)];
        }
        else
        {
            var clauses = new List<StatsClause>();
            if (found?.Like is { } like)
                clauses.Add(new StatsClause(property, false, [new StatsValue(like, StatsMatch.Like, IgnoreCase: true), .. found.Missing ? [StatsValue.Missing] : Array.Empty<StatsValue>()]));
            if (found?.Values is { } exactly) clauses.Add(new StatsClause(property, false, [.. exactly.Select(v => new StatsValue(v, StatsMatch.Value))]));
            if (found?.Except is { } except) clauses.Add(new StatsClause(property, true, [.. except.Select(v => new StatsValue(v, StatsMatch.Value))]));
            var (filter, error) = StatsFilters.Build(clauses, view.Filters);
            if (error is not null) throw new ArgumentException(error, nameof(view));
            // The first ranks; the rest lets the table of visits answer where it can (events' lists: their own counts).
            string[] counts = dimension == DashboardDimensions.ExitPage ? ["visits", "visitors", "pageviews"]
                : dimension == DashboardDimensions.Page || dimension == DashboardDimensions.Event ? ["visitors", "pageviews", "events"]
                : ["visitors", "visits", "pageviews"];
            string[] metrics = byRevenue ? [StatsRequest.TotalRevenue, .. counts] : counts;
            rows = await reader.BreakdownAsync(site.Id, period, property, dimension.Column, "", metrics, limit, offset, filter, null);
        }
        var top = rows.Select(r => new TopRow(r.Value, r.Counts)).ToList();
        if (view.ShowsConversions && dimension != DashboardDimensions.Event && dimension != DashboardDimensions.ExitPage && top.Count > 0)
            top = await RatedAsync(site, view, period, dimension, property, top);
        if (dimension == DashboardDimensions.ExitPage && top.Count > 0) return await WithExitRatesAsync(site, view, period, top);
        if (dimension != DashboardDimensions.Page || top.Count == 0) return top;
        return view.Filters.Count == 0
            ? await PageEngagements.AttachAsync(db, site.Id, period.From, period.To, dimension, top)
            : PageEngagements.With(top, await PageEngagements.ReadAsync(db, site.Id, period.From, period.To, DashboardQueries.Filter(view.Filters)));
    }

    /// <summary>
    /// Under a goal's filter, each value's visitors under the other filters, which its conversion rate divides by (as the
    /// card's): from the rollups when the goal is the only filter, else one read kept to the listed values.
    /// </summary>
    private async Task<List<TopRow>> RatedAsync(Site site, DashboardView view, StatsRange period, DashboardDimension dimension, string property,
        List<TopRow> rows)
    {
        var others = view.Filters.Where(f => !DashboardView.IsConversion(f)).ToList();
        var values = rows.Select(r => r.Value).Distinct().ToArray();
        IReadOnlyDictionary<string, long> visitors;
        if (others.Count == 0)
        {
            var counts = await rollups.CountsOfAsync(site.Id, period.First, period.Last, [.. values.Select(v => (dimension.Key, v))]);
            visitors = values.ToDictionary(v => v, v => counts.GetValueOrDefault((dimension.Key, v))?.Visitors ?? 0);
        }
        else
        {
            var (filter, error) = StatsFilters.Build([], others, (dimension.Column, null, values));
            if (error is not null) throw new ArgumentException(error, nameof(view));
            var read = await reader.BreakdownAsync(site.Id, period, property, dimension.Column, "", ["visitors"], values.Length, 0, filter, null);
            visitors = read.ToDictionary(r => r.Value, r => r.Counts.Visitors);
        }
        return [.. rows.Select(r => r with { AllVisitors = visitors.GetValueOrDefault(r.Value) })];
    }

    /// <summary>The exit pages with their pageviews, which their exit rates divide their exits by, as the card's: from the
    /// rollups without filters, in the kept visits under filters on a visit, none under others.</summary>
    private async Task<IReadOnlyList<TopRow>> WithExitRatesAsync(Site site, DashboardView view, StatsRange period, List<TopRow> rows)
    {
        if (view.Filters.Count > 0)
        {
            var key = DashboardDimensions.ExitPage.Key;
            var rated = await FilteredExitRates.AttachAsync(db, site, view.Filters, DashboardQueries.Filter(view.Filters), period.First, period.Last,
                new Dictionary<string, IReadOnlyList<TopRow>> { [key] = rows });
            return rated[key];
        }
        var page = DashboardDimensions.Page.Key;
        var pages = await rollups.CountsOfAsync(site.Id, period.First, period.Last, [.. rows.Select(r => (page, r.Value)).Distinct()]);
        return [.. rows.Select(r => r with { PagePageviews = pages.GetValueOrDefault((page, r.Value))?.Pageviews ?? 0 })];
    }

    /// <summary>The Stats API's property for the dimension's column (<c>visit:source</c>), null for none.</summary>
    private static string? PropertyOf(DashboardDimension dimension) =>
        StatsFilters.Properties.FirstOrDefault(p => p.Value.Column == dimension.Column).Key;

    private static ValueSearch? Search(DashboardDimension dimension, string? search)
    {
        // No stored value holds a control character (ingestion refuses them), and PostgreSQL refuses a NUL in any text.
        var text = new string([.. (search ?? "").Where(c => !char.IsControl(c)).Take(MaxSearch)]).Trim();
        if (text.Length == 0) return null;
        // A missing value is listed by its label ("Direct / None", "Unknown"): a search for it finds it.
        var missing = dimension.Missing.Contains(text, StringComparison.OrdinalIgnoreCase);
        if (dimension != DashboardDimensions.Country) return new ValueSearch($"%{StatsFilters.Like(text)}%", null) { Missing = missing };
        var codes = Live.CountryNames.Codes(name => name.Contains(text, StringComparison.OrdinalIgnoreCase)).ToList();
        if (text.Length == 2 && !codes.Contains(text.ToUpperInvariant())) codes.Add(text.ToUpperInvariant());
        if (missing) codes.Add("");
        return new ValueSearch(null, [.. codes]);
    }
}
