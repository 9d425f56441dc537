using LiveAnalytics.Live;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>The Stats API, shaped like Plausible's v1 so its clients work unchanged.</summary>
public static class StatsEndpoints
{
    private static readonly string[] SupportedMetrics = ["visitors", "pageviews", "events"];

    public static IHostApplicationBuilder AddStats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StatsQueries>();
        builder.Services.AddSingleton<StatsSeries>();
        return builder;
    }

    public static WebApplication MapStats(this WebApplication app)
    {
        var stats = app.MapGroup("/api/v1/stats")
            .AddEndpointFilter<ApiKeyAuthFilter>().AddEndpointFilter<SiteScopeFilter>().DisableAntiforgery();
        stats.MapGet("/realtime/visitors", (HttpContext http, EventHub hub) =>
            TypedResults.Ok(hub.Snapshot(SiteScopeFilter.Of(http).Id).VisitorsOnline));
        stats.MapGet("/aggregate", AggregateAsync);
        stats.MapGet("/timeseries", TimeseriesAsync);
        stats.MapGet("/breakdown", BreakdownAsync);
        return app;
    }

    private static async Task<IResult> AggregateAsync(
        HttpContext http, StatsQueries queries, TimeProvider time, string? period, string? date, string? metrics, string? filters)
    {
        var site = SiteScopeFilter.Of(http);
        var wanted = (metrics ?? "visitors").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unsupported = wanted.FirstOrDefault(m => !SupportedMetrics.Contains(m));
        if (wanted.Length == 0 || unsupported is not null)
            return ApiError.Problem(StatusCodes.Status400BadRequest,
                $"Unsupported metric '{unsupported}': use one or more of {string.Join(", ", SupportedMetrics)}.");
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
        if (!StatsPeriod.TryResolve(period, date, zone, time.GetUtcNow(), out var from, out var to, out var error))
            return ApiError.Problem(StatusCodes.Status400BadRequest, error!);

        var filter = StatsFilters.Parse(filters);
        if (filter.Error is not null) return ApiError.Problem(StatusCodes.Status400BadRequest, filter.Error);
        var aggregate = await queries.AggregateAsync(site.Id, from, to, (filter.Sql, filter.Parameters));
        var results = wanted.Distinct().ToDictionary(m => m, m => new MetricValue(m switch
        {
            "visitors" => aggregate.Visitors,
            "pageviews" => aggregate.Pageviews,
            _ => aggregate.Events,
        }));
        return TypedResults.Ok(new AggregateResponse(results));
    }

    private static readonly string[] Intervals = ["hour", "date", "month"];

    private static async Task<IResult> TimeseriesAsync(
        HttpContext http, StatsSeries series, TimeProvider time, string? period, string? date, string? metrics, string? interval, string? filters)
    {
        var site = SiteScopeFilter.Of(http);
        if (!TryMetrics(metrics, out var wanted, out var error)) return ApiError.Problem(StatusCodes.Status400BadRequest, error!);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
        if (!StatsPeriod.TryResolve(period, date, zone, time.GetUtcNow(), out var from, out var to, out error))
            return ApiError.Problem(StatusCodes.Status400BadRequest, error!);
        // Plausible's defaults: hours for a day, months for half a year or more, days otherwise.
        interval ??= period switch { "day" => "hour", "6mo" or "12mo" => "month", _ => "date" };
        if (!Intervals.Contains(interval))
            return ApiError.Problem(StatusCodes.Status400BadRequest, $"'interval' must be one of: {string.Join(", ", Intervals)}.");
        var filter = StatsFilters.Parse(filters);
        if (filter.Error is not null) return ApiError.Problem(StatusCodes.Status400BadRequest, filter.Error);

        var points = await series.TimeseriesAsync(site.Id, site.Timezone, from, to, interval == "date" ? "day" : interval, (filter.Sql, filter.Parameters));
        var format = interval == "hour" ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd";
        var results = points.Select(pt =>
        {
            var row = new Dictionary<string, object> { ["date"] = pt.Bucket.ToString(format, System.Globalization.CultureInfo.InvariantCulture) };
            foreach (var m in wanted) row[m] = Pick(m, pt.Visitors, pt.Pageviews, pt.Events);
            return row;
        }).ToList();
        return TypedResults.Ok(new { results });
    }

    private static async Task<IResult> BreakdownAsync(
        HttpContext http, StatsSeries series, TimeProvider time, string? period, string? date, string? metrics,
        string? property, string? limit, string? page, string? filters)
    {
        var site = SiteScopeFilter.Of(http);
        if (!TryMetrics(metrics, out var wanted, out var error)) return ApiError.Problem(StatusCodes.Status400BadRequest, error!);
        if (string.IsNullOrEmpty(property) || !StatsFilters.Properties.TryGetValue(property, out var prop))
            return ApiError.Problem(StatusCodes.Status400BadRequest,
                $"'property' is required and must be one of: {string.Join(", ", StatsFilters.Properties.Keys)}.");
        if (!TryInt(limit, 100, 1, 1000, out var take)) return ApiError.Problem(StatusCodes.Status400BadRequest, "'limit' must be a whole number from 1 to 1000.");
        if (!TryInt(page, 1, 1, 100_000, out var pageNumber)) return ApiError.Problem(StatusCodes.Status400BadRequest, "'page' must be a whole number from 1.");
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
        if (!StatsPeriod.TryResolve(period, date, zone, time.GetUtcNow(), out var from, out var to, out error))
            return ApiError.Problem(StatusCodes.Status400BadRequest, error!);
        var filter = StatsFilters.Parse(filters);
        if (filter.Error is not null) return ApiError.Problem(StatusCodes.Status400BadRequest, filter.Error);

        // Sorted by the first metric asked for, as Plausible does; the column name comes from the fixed list.
        var rows = await series.BreakdownAsync(site.Id, from, to, prop.Column, prop.Missing, wanted[0], take, (pageNumber - 1) * take,
            (filter.Sql, filter.Parameters));
        var results = rows.Select(r =>
        {
            var row = new Dictionary<string, object> { [prop.Key] = r.Value };
            foreach (var m in wanted) row[m] = Pick(m, r.Visitors, r.Pageviews, r.Events);
            return row;
        }).ToList();
        return TypedResults.Ok(new { results });
    }

    private static bool TryMetrics(string? metrics, out string[] wanted, out string? error)
    {
        wanted = (metrics ?? "visitors").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray();
        var unsupported = wanted.FirstOrDefault(m => !SupportedMetrics.Contains(m));
        error = wanted.Length == 0 || unsupported is not null
            ? $"Unsupported metric '{unsupported}': use one or more of {string.Join(", ", SupportedMetrics)}."
            : null;
        return error is null;
    }

    private static bool TryInt(string? text, int fallback, int min, int max, out int value)
    {
        if (string.IsNullOrEmpty(text)) { value = fallback; return true; }
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max;
    }

    private static long Pick(string metric, long visitors, long pageviews, long events) =>
        metric switch { "visitors" => visitors, "pageviews" => pageviews, _ => events };

    public sealed record MetricValue(long Value);
    public sealed record AggregateResponse(IReadOnlyDictionary<string, MetricValue> Results);
}
