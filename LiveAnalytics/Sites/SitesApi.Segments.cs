using LiveAnalytics.Dashboard;
using LiveAnalytics.Settings;
using Microsoft.AspNetCore.Mvc;

namespace LiveAnalytics.Sites;

/// <summary>
/// A site's segments through the API, the team's and the key's user's own: what a Stats API client names in
/// <c>filters=segment==NAME</c> (or, for a name holding a <c>;</c>, its id). They are saved and removed on the history page, where their filters are seen.
/// </summary>
public static partial class SitesApi
{
    private static void MapSegments(RouteGroupBuilder sites) => sites.MapGet("/segments", SegmentsAsync);

    /// <param name="Filters">As the history page's address carries them: <c>source:Google</c>, <c>prop:plan:pro</c>.</param>
    /// <param name="Personal">Whether only the key's user sees it (their own).</param>
    public sealed record SegmentResult(long Id, string Name, IReadOnlyList<string> Filters, string? Author, bool Personal);

    private static async Task<IResult> SegmentsAsync(HttpContext http, [FromQuery(Name = "site_id")] string? siteId, SiteAccess access, Segments segments)
    {
        if (await SiteAsync(http, siteId, access) is not { } site) return Missing(siteId);
        var listed = await segments.ListAsync(site.Id, ApiKeyAuthFilter.Of(http).UserId);
        return TypedResults.Ok(new
        {
            segments = listed.Select(s => new SegmentResult(s.Id, s.Name, s.Filters.Select(f => f.ToString()).ToList(), s.Author, s.Personal)),
        });
    }
}
