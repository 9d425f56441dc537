using Dapper;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// The exit pages' exit rates under filters on a visit's own dimensions (its source, country, device, entry page…): each
/// listed page's pageviews in the visits the filters keep, which its exits divide by, as the rollups give them without
/// filters. Under conditions on events (a page, a goal, a property) the visits count only such events, so a page's views
/// in them are no base for its exits: those lists show no rate, as before.
/// </summary>
internal static class FilteredExitRates
{
    public static bool Apply(IReadOnlyList<DashboardFilter> filters) => filters.Count > 0 && filters.All(OnVisit);

    // The visit's own (the table of visits keeps them; a country, device or browser is every event's of a visit too) or its
    // attribution and pages, which the raw path settles per visit.
    private static bool OnVisit(DashboardFilter filter) => DashboardDimensions.Find(filter.Dimension) is { PropertyName: null } d
        && (KeptVisits.Columns.Contains(d.Column) || PeriodEvents.Needs(d.Column) != VisitFacts.None);

    /// <summary>The exit pages' list of <paramref name="tops"/>, if any, with each page's pageviews in the kept visits.</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<TopRow>>> AttachAsync(NpgsqlDataSource db, Sites.Site site,
        IReadOnlyList<DashboardFilter> filters, EventFilter filter, DateOnly first, DateOnly last, IReadOnlyDictionary<string, IReadOnlyList<TopRow>> tops)
    {
        var key = DashboardDimensions.ExitPage.Key;
        if (!Apply(filters) || !tops.TryGetValue(key, out var exits) || exits.Count == 0) return tops;
        var (from, to) = StatsPeriod.Days(first, last, TimeZoneInfo.FindSystemTimeZoneById(site.Timezone));
        var events = await KeptVisits.EventsAsync(db, site.Id, from, filter);
        var p = new DynamicParameters(filter.Parameters);
        p.AddDynamicParams(new { siteId = site.Id, from, to, tz = site.Timezone, pages = exits.Select(r => r.Value).ToArray() });
        await using var conn = await db.OpenConnectionAsync();
        var views = (await conn.QueryAsync<(string Page, long Pageviews)>($"""
            SELECT coalesce(pathname, ''), count(*) FROM ({events}) e
            WHERE name = 'pageview' AND coalesce(pathname, '') = ANY(@pages) GROUP BY 1
            """, p)).ToDictionary(r => r.Page, r => r.Pageviews);
        return new Dictionary<string, IReadOnlyList<TopRow>>(tops)
        {
            [key] = exits.Select(r => r with { PagePageviews = views.GetValueOrDefault(r.Value) }).ToList(),
        };
    }
}
