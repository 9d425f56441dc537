using LiveAnalytics.Dashboard;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>The Stats API's funnel endpoint, <c>GET /api/v1/stats/funnel</c>.</summary>
public static partial class StatsEndpoints
{
    /// <summary>
    /// One of the site's funnels (by name) over the period: each step's visitors, share of the first step's, and drop-off;
    /// with filters, of the visits they keep.
    /// </summary>
    private static async Task<IResult> FunnelAsync(HttpContext http, Funnels funnels, Segments segments, TimeProvider time, string? funnel, string? period,
        string? date, string? filters)
    {
        var site = SiteScopeFilter.Of(http);
        if (string.IsNullOrWhiteSpace(funnel))
            return ApiError.Problem(StatusCodes.Status400BadRequest, "'funnel' is required: the name of one of the site's funnels (its settings page lists them).");
        var zone = TimeZoneInfo.FindSystemTimeZoneById(site.Timezone);
        if (!StatsPeriod.TryResolve(period, date, zone, time.GetUtcNow(), out var first, out var last, out var error))
            return ApiError.Problem(StatusCodes.Status400BadRequest, error!);
        var (rest, segment, segmentError) = await StatsSegments.ResolveAsync(segments, site, ApiKeyAuthFilter.Of(http).UserId, filters);
        if (segmentError is not null) return ApiError.Problem(StatusCodes.Status400BadRequest, segmentError);
        var (filter, filterError) = StatsFilters.Parse(rest, segment);
        if (filterError is not null) return ApiError.Problem(StatusCodes.Status400BadRequest, filterError);
        var all = await funnels.ListAsync(site.Id);
        if (all.FirstOrDefault(f => f.Name == funnel.Trim()) is not { } found)
            return ApiError.Problem(StatusCodes.Status404NotFound, $"Site '{site.Domain}' has no funnel named '{Infrastructure.Quoted.Clip(funnel, 80)}'" +
                (all.Count == 0 ? "; it has none yet." : $"; it has: {string.Join(", ", all.Select(f => f.Name))}."));
        var counts = await funnels.CountAsync(site, found, first, last, filter);
        var results = found.Steps.Select((step, i) => new FunnelStepResult(i + 1, step.Kind, step.Pattern, counts[i],
            counts[0] == 0 ? 0 : Math.Round(100.0 * counts[i] / counts[0], 1), i == 0 ? 0 : counts[i - 1] - counts[i])).ToList();
        return TypedResults.Ok(new { funnel = found.Name, results });
    }

    /// <param name="ConversionRate">Percent of the first step's visitors.</param>
    /// <param name="Dropped">Visitors of the step before who did not reach this one.</param>
    public sealed record FunnelStepResult(int Step, string Kind, string Value, long Visitors,
        [property: System.Text.Json.Serialization.JsonPropertyName("conversion_rate")] double ConversionRate, long Dropped);
}
