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
        return builder;
    }

    public static WebApplication MapStats(this WebApplication app)
    {
        var stats = app.MapGroup("/api/v1/stats")
            .AddEndpointFilter<ApiKeyAuthFilter>().AddEndpointFilter<SiteScopeFilter>().DisableAntiforgery();
        stats.MapGet("/realtime/visitors", (HttpContext http, EventHub hub) =>
            TypedResults.Ok(hub.Snapshot(SiteScopeFilter.Of(http).Id).VisitorsOnline));
        stats.MapGet("/aggregate", AggregateAsync);
        return app;
    }

    private static async Task<IResult> AggregateAsync(
        HttpContext http, StatsQueries queries, TimeProvider time, string? period, string? date, string? metrics)
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

        var aggregate = await queries.AggregateAsync(site.Id, from, to);
        var results = wanted.Distinct().ToDictionary(m => m, m => new MetricValue(m switch
        {
            "visitors" => aggregate.Visitors,
            "pageviews" => aggregate.Pageviews,
            _ => aggregate.Events,
        }));
        return TypedResults.Ok(new AggregateResponse(results));
    }

    public sealed record MetricValue(long Value);
    public sealed record AggregateResponse(IReadOnlyDictionary<string, MetricValue> Results);
}
