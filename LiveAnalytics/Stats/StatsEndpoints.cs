using Hangfire;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Live;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;
using LiveAnalytics.Telemetry;

namespace LiveAnalytics.Stats;

/// <summary>The Stats API, shaped like Plausible's v1 so its clients work unchanged.</summary>
public static partial class StatsEndpoints
{
    public static IHostApplicationBuilder AddStats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StatsQueries>();
        builder.Services.AddSingleton<RollupQueries>();
        builder.Services.AddSingleton<StatsReader>();
        builder.Services.AddInstruments<RollupLag>();
        builder.Services.AddTransient<RollupJob>();
        builder.Services.AddTransient<RollupBackfill>();
        builder.Services.AddTransient<ChannelFill>();
        return builder;
    }

    public static WebApplication MapStats(this WebApplication app)
    {
        var stats = app.MapGroup("/api/v1/stats")
            .AddEndpointFilter<DatabaseUnavailableFilter>().AddEndpointFilter<ApiKeyAuthFilter>().AddEndpointFilter<SiteScopeFilter>().DisableAntiforgery();
        stats.MapGet("/realtime/visitors", (HttpContext http, EventHub hub) =>
            TypedResults.Ok(hub.Snapshot(SiteScopeFilter.Of(http).Id).VisitorsOnline));
        stats.MapGet("/aggregate", AggregateAsync);
        stats.MapGet("/timeseries", TimeseriesAsync);
        stats.MapGet("/breakdown", BreakdownAsync);
        stats.MapGet("/funnel", FunnelAsync);
        MapQuery(app);
        var persistence = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Persistence.PersistenceOptions>>().Value;
        if (persistence.RunJobs)
        {
            var jobs = app.Services.GetRequiredService<IRecurringJobManager>();
            jobs.AddOrUpdate<RollupJob>("rollup-hours", j => j.RunAsync(CancellationToken.None), $"*/{persistence.RollupEverySeconds} * * * * *");
            jobs.AddOrUpdate<ChannelFill>("channel-fill", j => j.RunAsync(CancellationToken.None), "* * * * *");
        }
        return app;
    }

    private static async Task<IResult> AggregateAsync(
        HttpContext http, StatsReader reader, Segments segments, TimeProvider time, string? period, string? date, string? metrics, string? filters, string? compare)
    {
        var site = SiteScopeFilter.Of(http);
        var (request, error) = await ReadAsync(http, site, segments, time, period, date, metrics, filters);
        if (request is null) return ApiError.Problem(StatusCodes.Status400BadRequest, error!);
        if (request.WantsPageMetrics) return PageMetricsOnly();
        if (compare is not (null or "previous_period"))
            return ApiError.Problem(StatusCodes.Status400BadRequest, "'compare' must be 'previous_period' (or left out).");
        if (request.WantsConversionRate && request.ConversionBase is null) return ConversionNeedsGoal();
        if (request.AverageNeedsGoal) return AverageNeedsGoal();
        var current = reader.AggregateAsync(site.Id, request.Period, request.Filter);
        var previous = compare is null ? null : reader.AggregateAsync(site.Id, request.Previous, request.Filter);
        // The visitors a conversion rate divides by, beside the rest.
        var all = request.ConversionBase is { } b ? reader.AggregateAsync(site.Id, request.Period, b) : null;
        var allBefore = request.ConversionBase is { } c && compare is not null ? reader.AggregateAsync(site.Id, request.Previous, c) : null;
        var a = await current;
        var p = previous is null ? null : await previous;
        var (rate, rateBefore) = (all is null ? 0 : Rate(a.Visitors, (await all).Visitors), allBefore is null || p is null ? 0 : Rate(p.Visitors, (await allBefore).Visitors));
        return TypedResults.Ok(new AggregateResponse(request.Metrics.ToDictionary(m => m, m => m == StatsRequest.ConversionRate
            ? new MetricValue(rate, p is null ? null : Math.Round(rate - rateBefore, 1))   // in points, as the bounce rate's
            : new MetricValue(a.Metric(m), p is null ? null : Change(m, p.Metric(m), a.Metric(m))))));
    }

    /// <summary>The request's parts checked, the segments its filters name read.</summary>
    private static async Task<(StatsRequest? Request, string? Error)> ReadAsync(HttpContext http, Site site, Segments segments, TimeProvider time,
        string? period, string? date, string? metrics, string? filters)
    {
        var (rest, segment, error) = await StatsSegments.ResolveAsync(segments, site, ApiKeyAuthFilter.Of(http).UserId, filters);
        return error is not null ? (null, error) : StatsRequest.Read(site, period, date, metrics, rest, time.GetUtcNow(), segment);
    }

    /// <summary>The percent of <paramref name="all"/> visitors that <paramref name="converted"/> are, to one decimal (0 of none).</summary>
    private static double Rate(long converted, long all) => MetricFormat.Share(converted, all) ?? 0;

    private static IResult ConversionNeedsGoal() => ApiError.Problem(StatusCodes.Status400BadRequest,
        $"{StatsRequest.ConversionRate} needs a goal to convert to: filter by event:goal==NAME (or event:name==NAME), or break down by event:goal.");

    private static IResult AverageNeedsGoal() => ApiError.Problem(StatusCodes.Status400BadRequest,
        $"{StatsRequest.AverageRevenue} is the revenue per conversion: filter by a goal (event:goal==Purchase, or event:name==Purchase), " +
        $"or break down by event:goal. {StatsRequest.TotalRevenue} needs neither.");

    /// <summary>As Plausible's <c>change</c>: percent against the previous period (100 from nothing), the bounce rate's in points.</summary>
    internal static long Change(string metric, object previous, object current)
    {
        var (before, now) = (Convert.ToDouble(previous, System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToDouble(current, System.Globalization.CultureInfo.InvariantCulture));
        if (metric == "bounce_rate") return (long)Math.Round(now - before, MidpointRounding.AwayFromZero);
        if (before == 0) return now > 0 ? 100 : 0;
        return (long)Math.Round((now - before) / before * 100, MidpointRounding.AwayFromZero);
    }

    private static readonly string[] Intervals = ["hour", "date", "month"];

    private static async Task<IResult> TimeseriesAsync(
        HttpContext http, StatsReader reader, Segments segments, TimeProvider time, string? period, string? date, string? metrics, string? interval, string? filters)
    {
        var site = SiteScopeFilter.Of(http);
        var (request, error) = await ReadAsync(http, site, segments, time, period, date, metrics, filters);
        if (request is null) return ApiError.Problem(StatusCodes.Status400BadRequest, error!);
        if (request.WantsPageMetrics) return PageMetricsOnly();
        // Plausible's defaults: hours for a day, months for half a year or more, days otherwise.
        interval ??= period switch { "day" => "hour", "6mo" or "12mo" => "month", _ => "date" };
        if (!Intervals.Contains(interval))
            return ApiError.Problem(StatusCodes.Status400BadRequest, $"'interval' must be one of: {string.Join(", ", Intervals)}.");

        if (request.WantsConversionRate && request.ConversionBase is null) return ConversionNeedsGoal();
        if (request.AverageNeedsGoal) return AverageNeedsGoal();
        return TypedResults.Ok(new { results = (await TimeseriesRowsAsync(site, request, reader, interval == "date" ? "day" : interval)).Select(r => r.V1()) });
    }

    /// <summary>Each bucket (<paramref name="step"/>: hour, day, week or month) of the period as a row (a week as its Monday).</summary>
    internal static async Task<List<StatsRow>> TimeseriesRowsAsync(Site site, StatsRequest request, StatsReader reader, string step)
    {
        var read = reader.TimeseriesAsync(site, request.Period, step, request.Filter);
        // The visitors each bucket's conversion rate divides by: the same buckets under the other filters.
        var all = request.ConversionBase is { } b
            ? (await reader.TimeseriesAsync(site, request.Period, step, b)).ToDictionary(pt => pt.Bucket, pt => pt.Counts.Visitors)
            : null;
        var points = await read;
        var format = step == "hour" ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd";
        return points.Select(pt => Row("date", pt.Bucket.ToString(format, System.Globalization.CultureInfo.InvariantCulture), pt.Counts,
            request.Metrics, conversionRate: all is null ? null : Rate(pt.Counts.Visitors, all.GetValueOrDefault(pt.Bucket)))).ToList();
    }

    private static async Task<IResult> BreakdownAsync(
        HttpContext http, StatsReader reader, StatsQueries queries, RollupQueries rollups, Goals goals, Segments segments, TimeProvider time, string? period, string? date,
        string? metrics, string? property, string? limit, string? page, string? filters)
    {
        var site = SiteScopeFilter.Of(http);
        var (request, error) = await ReadAsync(http, site, segments, time, period, date, metrics, filters);
        if (request is null) return ApiError.Problem(StatusCodes.Status400BadRequest, error!);
        if (!TryInt(limit, 100, 1, 1000, out var take)) return ApiError.Problem(StatusCodes.Status400BadRequest, "'limit' must be a whole number from 1 to 1000.");
        if (!TryInt(page, 1, 1, 100_000, out var pageNumber)) return ApiError.Problem(StatusCodes.Status400BadRequest, "'page' must be a whole number from 1.");
        var (rows, problem) = await BreakdownRowsAsync(site, request, reader, queries, rollups, goals, property, take, (pageNumber - 1) * take);
        return problem ?? TypedResults.Ok(new { results = rows!.Select(r => r.V1()) });
    }

    /// <summary>A page of the values of <paramref name="property"/> as rows, sorted by the first metric; or the problem with the request.</summary>
    internal static async Task<(List<StatsRow>? Rows, IResult? Problem)> BreakdownRowsAsync(Site site, StatsRequest request,
        StatsReader reader, StatsQueries queries, RollupQueries rollups, Goals goals, string? property, int take, int skip)
    {
        if (property == StatsFilters.Goal) return await GoalRowsAsync(site, request, reader, queries, goals, take, skip);
        var (propKey, propError) = StatsFilters.PropKey(property ?? "");
        if (propError is not null) return (null, ApiError.Problem(StatusCodes.Status400BadRequest, propError));
        var prop = propKey is not null ? (Column: StatsFilters.PropColumn("propKey"), Key: propKey, Missing: "(none)")
            : !string.IsNullOrEmpty(property) && StatsFilters.Properties.TryGetValue(property, out var known) ? known
            : default;
        if (prop.Column is null)
            return (null, ApiError.Problem(StatusCodes.Status400BadRequest, $"'property' is required and must be one of: {StatsFilters.Supported}."));
        if (request.WantsPageMetrics && property != "event:page") return (null, PageMetricsOnly());
        if (request.WantsConversionRate && request.ConversionBase is null) return (null, ConversionNeedsGoal());
        if (request.AverageNeedsGoal) return (null, AverageNeedsGoal());
        if (StatsRequest.PageMetrics.Contains(request.Metrics[0]) || request.Metrics[0] == StatsRequest.ConversionRate)
            return (null, ApiError.Problem(StatusCodes.Status400BadRequest,
                $"A breakdown is sorted by its first metric, which '{request.Metrics[0]}' cannot be: put visitors or pageviews first."));

        // Sorted by the first metric asked for, as Plausible does; the column name comes from the fixed list, a custom
        // property's name as a parameter.
        var rows = await reader.BreakdownAsync(site.Id, request.Period, property!, prop.Column, prop.Missing, request.Metrics, take, skip, request.Filter, propKey);
        var bases = request.WantsConversionRate
            ? await ConversionBasesAsync(site, request, reader, rollups, property!, prop.Column, prop.Missing, propKey, rows.Select(r => r.Value).ToList())
            : null;
        var engagement = request.WantsPageMetrics
            ? await reader.EngagementAsync(site.Id, request.Period, rows.Select(r => r.Value).ToArray(), request.Filter)
            : null;
        return (rows.Select(r => Row(prop.Key, r.Value, r.Counts, request.Metrics, engagement?.GetValueOrDefault(r.Value),
            bases is null ? null : Rate(r.Counts.Visitors, bases.GetValueOrDefault(r.Value)))).ToList(), null);
    }

    /// <summary>
    /// Each value's visitors under the filters but the goal's, which its conversion rate divides by: Google's rate under
    /// <c>event:goal==Order;visit:country==DE</c> is of Google's Germans. Under the goal alone, a property the rollups keep
    /// reads them there; otherwise one read of the events (or the table of visits) kept to the values listed.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, long>> ConversionBasesAsync(Site site, StatsRequest request, StatsReader reader,
        RollupQueries rollups, string property, string column, string missing, string? propKey, IReadOnlyList<string> values)
    {
        if (values.Count == 0) return new Dictionary<string, long>();
        // Rows name a missing value as the API shows it (Direct / None); the rollups and the filter keep it as ''.
        string Kept(string value) => value == missing ? "" : value;
        if (request.ConversionBase!.IsEmpty && !request.Period.Partial && propKey is null && StatsReader.RollupDimensions.TryGetValue(property, out var rated))
        {
            var counts = await rollups.CountsOfAsync(site.Id, request.Period.First, request.Period.Last, values.Select(v => (rated, Kept(v))).Distinct().ToList());
            return values.Distinct().ToDictionary(v => v, v => counts.GetValueOrDefault((rated, Kept(v)))?.Visitors ?? 0);
        }
        var among = request.ConversionBaseAmong(column, propKey, values.Select(Kept).Distinct().ToArray());
        var rows = await reader.BreakdownAsync(site.Id, request.Period, property, column, missing, ["visitors"], values.Count, 0, among, propKey);
        return rows.ToDictionary(r => r.Value, r => r.Counts.Visitors);
    }

    private static IResult PageMetricsOnly() => ApiError.Problem(StatusCodes.Status400BadRequest,
        $"{string.Join(" and ", StatsRequest.PageMetrics)} are a page's: ask for them in a breakdown by event:page.");

    /// <summary>
    /// The site's goals (as its settings list them) with their conversions: visitors who converted and events (a page
    /// goal's pageviews), sorted by the first metric; goals count events, so the visit metrics do not apply.
    /// </summary>
    private static async Task<(List<StatsRow>? Rows, IResult? Problem)> GoalRowsAsync(Site site, StatsRequest request,
        StatsReader reader, StatsQueries queries, Goals goals, int take, int skip)
    {
        if (request.Metrics.FirstOrDefault(m => !GoalMetrics.Contains(m)) is { } other)
            return (null, ApiError.Problem(StatusCodes.Status400BadRequest,
                $"Goals are counted in {string.Join(", ", GoalMetrics)}; '{other}' does not apply to {StatsFilters.Goal}."));
        var list = await goals.ListAsync(site.Id);
        var (kinds, patterns) = Goal.Arrays(list);
        // A goal's conversion rate: its visitors' share of those the filters keep (the goals' own filters left out).
        var all = request.WantsConversionRate ? reader.AggregateAsync(site.Id, request.Period, request.ConversionBase ?? request.Filter) : null;
        var counts = list.Count == 0 ? [] : await queries.GoalsAsync(site.Id, request.Period.From, request.Period.To, kinds, patterns, request.Filter);
        var visitors = all is null ? 0 : (await all).Visitors;
        var rows = list.Select((g, i) => Row("goal", g.Label, counts[i] with { Events = g.Kind == Goal.Page ? counts[i].Pageviews : counts[i].Events },
                request.Metrics, conversionRate: Rate(counts[i].Visitors, visitors), revenue: g.Kind != Goal.Page))
            .OrderByDescending(r => Convert.ToDecimal(r.Metrics[request.Metrics[0]] ?? -1m, System.Globalization.CultureInfo.InvariantCulture))
            .ThenBy(r => r.Value, StringComparer.Ordinal)
            .Skip(skip).Take(take);
        return (rows.ToList(), null);
    }

    private static readonly string[] GoalMetrics = ["visitors", "events", StatsRequest.ConversionRate, StatsRequest.TotalRevenue, StatsRequest.AverageRevenue];

    /// <summary>
    /// A result row: the bucket or value, then the metrics asked for; a page's time_on_page (seconds) and scroll_depth
    /// (percent) are null when none of its views reported engagement.
    /// </summary>
    /// <param name="revenue">False for what carries none (a page goal): its revenue metrics are null, not 0.</param>
    private static StatsRow Row(string key, string value, Counts counts, string[] metrics, PageEngagement? engagement = null,
        double? conversionRate = null, bool revenue = true)
    {
        var values = new Dictionary<string, object?>();
        foreach (var m in metrics)
            values[m] = m switch
            {
                "time_on_page" => engagement?.AverageSeconds,
                "scroll_depth" => engagement?.AverageScroll,
                StatsRequest.ConversionRate => conversionRate,
                StatsRequest.TotalRevenue or StatsRequest.AverageRevenue when !revenue => null,
                _ => counts.Metric(m),
            };
        return new StatsRow(key, value, values);
    }

    /// <param name="Key">What v1 names the value by: <c>date</c>, <c>source</c>, <c>goal</c>, a custom property's name.</param>
    internal sealed record StatsRow(string Key, string Value, IReadOnlyDictionary<string, object?> Metrics)
    {
        /// <summary>A v2 row of several dimensions: its value of each (<see cref="Value"/> unused).</summary>
        public IReadOnlyList<string>? Dimensions { get; init; }

        /// <summary>As v1 writes it: the value under its key, then the metrics.</summary>
        public Dictionary<string, object?> V1()
        {
            var row = new Dictionary<string, object?> { [Key] = Value };
            foreach (var (metric, value) in Metrics) row[metric] = value;
            return row;
        }
    }

    private static bool TryInt(string? text, int fallback, int min, int max, out int value)
    {
        if (string.IsNullOrEmpty(text)) { value = fallback; return true; }
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max;
    }

    /// <param name="Change">With <c>compare=previous_period</c>: the change against it (see <see cref="Change(string, object, object)"/>).</param>
    public sealed record MetricValue(object Value, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] double? Change = null);
    public sealed record AggregateResponse(IReadOnlyDictionary<string, MetricValue> Results);
}
