using System.Globalization;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>
/// A v2 query grouped by several dimensions at once (<c>["time:day", "visit:source"]</c>, <c>["visit:country_name",
/// "visit:device"]</c>): each combination's counts, read from the raw events in one grouping.
/// </summary>
public static partial class StatsEndpoints
{
    /// <summary>
    /// A page of the combinations as rows, and every time bucket when asked for; or the problem with a dimension. With
    /// <paramref name="before"/>, each row's counterpart in the compared period goes into <paramref name="earlier"/>: the
    /// same values, the time bucket in the same place of the compared period's (none when it is shorter); zeros when the
    /// compared period did not have the combination.
    /// </summary>
    private static async Task<(List<StatsRow>? Rows, IReadOnlyList<string>? Labels, IResult? Problem)> SeveralRowsAsync(StatsQuery query, Site site,
        StatsRequest request, StatsQueries queries, Npgsql.NpgsqlDataSource db, StatsRequest? before, Dictionary<StatsRow, StatsRow?> earlier)
    {
        var (_, _, _, step, _, problem) = GroupKeys(query, site, request.Period);
        if (problem is not null) return (null, null, problem);

        // By time (ascending unless asked otherwise) when there is time and no metric is asked to order by; then by the
        // metric, highest first; ties by the values.
        var time = query.Dimensions.ToList().FindIndex(StatsQuery.IsTime);
        var byMetric = query.OrderBy is { } by && !StatsQuery.IsTime(by);
        var metric = byMetric ? query.OrderBy! : request.Metrics.First(StatsRequest.SupportedMetrics.Contains);
        var order = (time < 0 || byMetric ? "" : $"k[{time + 1}] {(query.Descending ? "DESC" : "ASC")}, ") + $"{StatsQueries.Sort(metric)} DESC NULLS LAST, k";
        var read = await CombinationsAsync(query, site, request, queries, db, order, query.Limit, query.Offset);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
        if (before is not null && read.Count > 0)
        {
            var (now, then) = (Buckets(request.Period, zone, step), Buckets(before.Period, zone, step));
            string[]? Compared(string[] values)
            {
                if (time < 0) return values;
                var at = now!.IndexOf(values[time]);
                return at < 0 || at >= then!.Count ? null : [.. values.Select((v, i) => i == time ? then[at] : v)];
            }
            var wanted = read.Select(r => Compared(r.Values)).OfType<string[]>().ToList();
            // Bucketed as the period is (a custom comparison's "time" may span another length).
            var compared = (await CombinationsAsync(query, site, before, queries, db, "k", wanted.Count, 0, wanted, request.Period))
                .ToDictionary(r => Joined(r.Values), r => r.Row);
            foreach (var (values, row) in read)
                earlier[row] = Compared(values) is { } other
                    ? compared.GetValueOrDefault(Joined(other)) ?? Row("", "", Counts.None, before.Metrics, conversionRate: 0) with { Dimensions = Shown(query, other) }
                    : null;
        }
        var labels = query.TimeLabels && step is not null ? Buckets(request.Period, zone, step) : null;
        return ([.. read.Select(r => r.Row)], labels, null);
    }

    /// <summary>
    /// A page of the combinations (or those of <paramref name="only"/>), as rows with their values as read. A conversion
    /// rate divides by the combination's visitors under the filters but the goal's (Google's Germans on mobile under
    /// <c>event:goal==Order</c>): the same grouping under those filters, kept to the combinations read.
    /// </summary>
    /// <param name="stepOf">The period whose length sets the step of <c>time</c> (the request's own by default).</param>
    private static async Task<List<(string[] Values, StatsRow Row)>> CombinationsAsync(StatsQuery query, Site site, StatsRequest request,
        StatsQueries queries, Npgsql.NpgsqlDataSource db, string order, int limit, int offset, IReadOnlyList<string[]>? only = null, StatsRange? stepOf = null)
    {
        if (only is { Count: 0 }) return [];
        stepOf ??= request.Period;
        var covered = await KeptVisits.CoversAsync(db, site.Id, request.Period.From);
        var read = await GroupsOfAsync(query, site, request.Period, request.Filter, covered, stepOf, queries, order, limit, offset, only);
        var bases = request.WantsConversionRate && read.Count > 0
            ? (await GroupsOfAsync(query, site, request.Period, request.ConversionBase!, covered, stepOf, queries, "k", read.Count, 0, [.. read.Select(r => r.Values)]))
                .ToDictionary(r => Joined(r.Values), r => r.Counts.Visitors)
            : null;
        return [.. read.Select(r => (r.Values, Row("", "", r.Counts, request.Metrics,
            conversionRate: bases is null ? null : Rate(r.Counts.Visitors, bases.GetValueOrDefault(Joined(r.Values)))) with { Dimensions = Shown(query, r.Values) }))];
    }

    /// <summary>The period's groups under <paramref name="filter"/> (<see cref="Grouped"/>), a page of them or those of <paramref name="only"/>.</summary>
    private static async Task<IReadOnlyList<(string[] Values, Counts Counts)>> GroupsOfAsync(StatsQuery query, Site site, StatsRange period,
        EventFilter filter, bool covered, StatsRange stepOf, StatsQueries queries, string order, int limit, int offset, IReadOnlyList<string[]>? only)
    {
        var (keys, parameters, needs, step, byVisits, _) = GroupKeys(query, site, stepOf);
        return await queries.GroupsAsync(site.Id, period.From, period.To, Grouped(query, filter, covered, keys, parameters, needs, step, byVisits),
            parameters, order, limit, offset, filter, only?.Select(Joined).ToArray());
    }

    /// <summary>A combination's values as the query names them: a country by its name for <c>visit:country_name</c>.</summary>
    private static string[] Shown(StatsQuery query, string[] values) =>
        [.. values.Select((v, i) => query.Dimensions[i] == StatsQueryFilters.CountryName ? Live.CountryNames.Name(v) ?? v : v)];

    /// <summary>A period's time buckets as a time dimension's values name them; null without time.</summary>
    private static List<string>? Buckets(StatsRange period, TimeZoneInfo zone, string? step) => step is null ? null
        : [.. Dashboard.RawDashboard.Buckets(period.From, period.To, zone, step)
            .Select(b => b.ToString(step == "hour" ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd", CultureInfo.InvariantCulture))];

    /// <summary>A combination's values as one string (the unit separator between them, which no stored value holds).</summary>
    internal static string Joined(IEnumerable<string> values) => string.Join('\u001f', values);

    /// <summary>
    /// How many rows a query by properties has over all its pages (<c>include.total_rows</c>): the goals the site has; the
    /// values a rollup dimension took in the period, without filters; otherwise the groups of the events the filters keep.
    /// </summary>
    private static async Task<long> TotalRowsAsync(StatsQuery query, Site site, StatsRequest request, StatsQueries queries, RollupQueries rollups,
        Goals goals, Npgsql.NpgsqlDataSource db)
    {
        if (query.Dimension == StatsFilters.Goal) return (await goals.ListAsync(site.Id)).Count;
        var property = query.Dimension == StatsQueryFilters.CountryName ? "visit:country" : query.Dimension;
        if (property is not null && request.Filter.IsEmpty && !request.Period.Partial && StatsReader.RollupDimensions.TryGetValue(property, out var dimension))
            return await rollups.CountValuesAsync(site.Id, request.Period.First, request.Period.Last, dimension);
        var (keys, parameters, needs, step, byVisits, _) = GroupKeys(query, site, request.Period);
        var covered = await KeptVisits.CoversAsync(db, site.Id, request.Period.From);
        return await queries.CountGroupsAsync(site.Id, request.Period.From, request.Period.To,
            Grouped(query, request.Filter, covered, keys, parameters, needs, step, byVisits), parameters, request.Filter);
    }

    /// <summary>
    /// The groups' SQL, where the table of visits holds every visit column the filter reads (and the period's visits:
    /// <paramref name="covered"/>): by the visits themselves (<see cref="VisitGroups"/>) when every dimension is a visit's
    /// own or time, otherwise the period's events with their visits' columns joined from the table (its keys by visits).
    /// Elsewhere the period's events with their visits settled from them (a sort of them all).
    /// </summary>
    internal static string Grouped(StatsQuery query, EventFilter filter, bool covered, List<string> keys, DynamicParameters parameters,
        VisitFacts needs, string? step, bool keysByVisits)
    {
        covered &= filter.IsEmpty || filter.ByVisits;
        if (covered && VisitKeys(query) is { } visitKeys)
        {
            if (step is null) parameters.Add("interval", "day");   // the visits' own buckets, which no key reads
            return VisitGroups.Sql(filter, visitKeys, TimeFormat(step));
        }
        return StatsQueries.GroupedBy(keys, needs, filter, covered && keysByVisits);
    }

    /// <summary>The dimensions as SQL over the table of visits' columns (null for time, with @missing{i} as <see cref="GroupKeys"/>
    /// sets them), or null when one is not a visit's own.</summary>
    private static List<string?>? VisitKeys(StatsQuery query)
    {
        var keys = new List<string?>();
        for (var i = 0; i < query.Dimensions.Count; i++)
        {
            var dimension = query.Dimensions[i];
            var property = dimension == StatsQueryFilters.CountryName ? "visit:country" : dimension;
            if (StatsQuery.IsTime(dimension)) keys.Add(null);
            else if (StatsFilters.Properties.TryGetValue(property, out var known) && KeptVisits.Columns.Contains(known.Column))
                keys.Add($"coalesce({known.Column}, @missing{i})");
            else return null;
        }
        return keys;
    }

    private static string TimeFormat(string? step) => step == "hour" ? "YYYY-MM-DD HH24:MI:SS" : "YYYY-MM-DD";

    /// <summary>The dimensions as SQL keys over the period's events, with their parameters and what they need of the
    /// visits, the time dimension's step, and whether the table of visits holds every visit column they read; or the
    /// problem with one.</summary>
    internal static (List<string> Keys, DynamicParameters Parameters, VisitFacts Needs, string? Step, bool ByVisits, IResult? Problem) GroupKeys(
        StatsQuery query, Site site, StatsRange period)
    {
        var (keys, parameters, needs, byVisits) = (new List<string>(), new DynamicParameters(new { tz = site.Timezone }), VisitFacts.None, true);
        string? step = null;
        for (var i = 0; i < query.Dimensions.Count; i++)
        {
            var dimension = query.Dimensions[i];
            if (StatsQuery.IsTime(dimension))
            {
                step = TimeStep(dimension, period);
                parameters.Add("interval", step);
                keys.Add($"to_char(date_trunc(@interval, ts AT TIME ZONE @tz), '{TimeFormat(step)}')");
                continue;
            }
            // Columns come from the fixed list; a custom property's name and the missing values' words travel as parameters.
            var property = dimension == StatsQueryFilters.CountryName ? "visit:country" : dimension;
            var (propKey, propError) = StatsFilters.PropKey(property);
            if (propError is not null) return (keys, parameters, needs, step, false, ApiError.Problem(StatusCodes.Status400BadRequest, propError));
            string column, missing;
            if (propKey is not null) (column, missing) = (StatsFilters.PropColumn($"key{i}"), "(none)");
            else if (StatsFilters.Properties.TryGetValue(property, out var known)) (column, missing) = (known.Column, known.Missing);
            else return (keys, parameters, needs, step, false, ApiError.Problem(StatusCodes.Status400BadRequest,
                $"Dimension '{StatsQuery.Clip(dimension)}' is not supported; use one of: {StatsFilters.Supported}, {StatsQueryFilters.CountryName}, or time."));
            parameters.Add($"key{i}", propKey);
            parameters.Add($"missing{i}", missing);
            keys.Add($"coalesce({column}, @missing{i})");
            needs |= PeriodEvents.Needs(column);
            byVisits &= KeptVisits.Columns.Contains(column) || PeriodEvents.Needs(column) == VisitFacts.None;
        }
        return (keys, parameters, needs, step, byVisits, null);
    }

    /// <summary>A time dimension's buckets: <c>time</c> is hours for a day (or the last 24 hours), months from about half
    /// a year, days otherwise (as v1's intervals).</summary>
    private static string TimeStep(string dimension, StatsRange period) => dimension switch
    {
        "time:hour" => "hour",
        "time:day" => "day",
        "time:week" => "week",
        "time:month" => "month",
        _ => period.First == period.Last || (period.Partial && period.To - period.From <= TimeSpan.FromDays(1)) ? "hour"
            : period.Last.DayNumber - period.First.DayNumber >= 180 ? "month" : "day",
    };
}
