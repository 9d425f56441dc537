using System.Globalization;
using System.Text.Json;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Settings;
using Microsoft.AspNetCore.Mvc;

namespace LiveAnalytics.Sites;

/// <summary>
/// A site's segments through the API, the team's and the key's user's own: what a Stats API client names in
/// <c>filters=segment==NAME</c> (or, for a name holding a <c>;</c>, its id), and what a platform sets up for the shops it
/// hosts. The rules are the history page's: any member's key saves one; its author, or an owner or admin for the
/// team's, changes or removes it.
/// </summary>
public static partial class SitesApi
{
    private static void MapSegments(RouteGroupBuilder sites)
    {
        sites.MapGet("/segments", SegmentsAsync);
        sites.MapPost("/segments", PostSegmentAsync);
        sites.MapPut("/segments/{segmentId}", PutSegmentAsync);
        sites.MapDelete("/segments/{segmentId}", DeleteSegmentAsync);
    }

    /// <param name="Filters">As the history page's address carries them: <c>source:Google</c>, <c>prop:plan:pro</c>.</param>
    /// <param name="Personal">Whether only the key's user sees it (their own).</param>
    public sealed record SegmentResult(long Id, string Name, IReadOnlyList<string> Filters, string? Author, bool Personal)
    {
        public static SegmentResult Of(Segment s) => new(s.Id, s.Name, s.Filters.Select(f => f.ToString()).ToList(), s.Author, s.Personal);
    }

    private static async Task<IResult> SegmentsAsync(HttpContext http, [FromQuery(Name = "site_id")] string? siteId, SiteAccess access, Segments segments)
    {
        if (await SiteAsync(http, siteId, access) is not { } site) return Missing(siteId);
        var listed = await segments.ListAsync(site.Id, ApiKeyAuthFilter.Of(http).UserId);
        return TypedResults.Ok(new { segments = listed.Select(SegmentResult.Of) });
    }

    /// <summary>Body: <c>{"site_id": "shop.example.com", "name": "Google visitors", "filters": ["source:Google"], "personal": false}</c>;
    /// <c>personal</c> optional (the team's by default).</summary>
    private static async Task<IResult> PostSegmentAsync(HttpContext http, SiteAccess access, Segments segments, CancellationToken ct)
    {
        var (site, body, problem) = await SegmentBodyAsync(http, access, ct);
        if (site is null) return problem!;
        var (name, filters, personal) = body;
        if (name is null || filters is null) return ApiError.Problem(StatusCodes.Status400BadRequest, "'name' and 'filters' are required.");
        var userId = ApiKeyAuthFilter.Of(http).UserId;
        if (await segments.SaveAsync(site, userId, name, filters, personal ?? false) is { } refused) return Refused(refused);
        var saved = (await segments.ListAsync(site.Id, userId)).Single(s => s.Name == name.Trim() && s.Personal == (personal ?? false));
        return TypedResults.Created($"/api/v1/sites/segments?site_id={site.Domain}", SegmentResult.Of(saved));
    }

    /// <summary>Body: <c>{"site_id": "shop.example.com", "name": "…", "filters": ["…"], "personal": true}</c>; what is left out
    /// stays as it was. <c>personal</c> is its author's to change, with the rest in one statement: all of it is done or
    /// none.</summary>
    private static async Task<IResult> PutSegmentAsync(HttpContext http, string segmentId, SiteAccess access, Segments segments, CancellationToken ct)
    {
        var (site, body, problem) = await SegmentBodyAsync(http, access, ct);
        if (site is null) return problem!;
        var userId = ApiKeyAuthFilter.Of(http).UserId;
        if (await FindSegmentAsync(segments, site, userId, segmentId) is not { } found) return NoSegment(site, segmentId);
        var share = body.Personal is { } personal && personal != found.Personal ? personal : (bool?)null;
        if (share is not null && found.AuthorId != userId)
            return Refused(Segments.NotAuthor);
        if ((body.Name is not null || body.Filters is not null || share is not null)
            && await segments.UpdateAsync(site, userId, found.Id, body.Name ?? found.Name, body.Filters ?? found.Filters, share) is { } refused)
            return Refused(refused);
        return await FindSegmentAsync(segments, site, userId, segmentId) is { } changed ? TypedResults.Ok(SegmentResult.Of(changed)) : NoSegment(site, segmentId);
    }

    private static async Task<IResult> DeleteSegmentAsync(HttpContext http, string segmentId, [FromQuery(Name = "site_id")] string? siteId,
        SiteAccess access, Segments segments)
    {
        if (await SiteAsync(http, siteId, access) is not { } site) return Missing(siteId);
        var userId = ApiKeyAuthFilter.Of(http).UserId;
        if (await FindSegmentAsync(segments, site, userId, segmentId) is not { } found) return NoSegment(site, segmentId);
        return await segments.RemoveAsync(site, userId, found.Id) is { } refused ? Refused(refused) : TypedResults.Ok(new { deleted = true });
    }

    /// <summary>A segment's body: its site (one the key reaches), and its name, filters (read as the history page's address
    /// reads them) and personal flag as sent; or the problem with it.</summary>
    private static async Task<(Site? Site, (string? Name, IReadOnlyList<DashboardFilter>? Filters, bool? Personal) Body, IResult? Problem)> SegmentBodyAsync(
        HttpContext http, SiteAccess access, CancellationToken ct)
    {
        var (body, problem) = await ReadObjectAsync(http, ct, "site_id", "name", "filters", "personal");
        if (body is null) return (null, default, problem);
        using (body)
        {
            var root = body.RootElement;
            if (!TryString(root, "site_id", out var siteId) || !TryString(root, "name", out var name))
                return (null, default, ApiError.Problem(StatusCodes.Status400BadRequest, "'site_id' and 'name' must be strings."));
            IReadOnlyList<DashboardFilter>? filters = null;
            if (root.TryGetProperty("filters", out var list) && list.ValueKind != JsonValueKind.Null)
            {
                if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(f => f.ValueKind != JsonValueKind.String))
                    return (null, default, ApiError.Problem(StatusCodes.Status400BadRequest, "'filters' must be a list of strings, e.g. [\"source:Google\", \"country:DE\"]."));
                var (view, error) = DashboardView.Parse(null, null, null, null, list.EnumerateArray().Select(f => f.GetString()!), null);
                if (error is not null) return (null, default, ApiError.Problem(StatusCodes.Status400BadRequest, error));
                filters = view.Filters;
            }
            bool? personal = null;
            if (root.TryGetProperty("personal", out var p) && p.ValueKind != JsonValueKind.Null)
            {
                if (p.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    return (null, default, ApiError.Problem(StatusCodes.Status400BadRequest, "'personal' must be true or false."));
                personal = p.GetBoolean();
            }
            return await SiteAsync(http, siteId, access) is { } site ? (site, (name, filters, personal), null) : (null, default, Missing(siteId));
        }
    }

    private static async Task<Segment?> FindSegmentAsync(Segments segments, Site site, Guid userId, string segmentId) =>
        long.TryParse(segmentId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? (await segments.ListAsync(site.Id, userId)).FirstOrDefault(s => s.Id == id)
            : null;

    private static IResult NoSegment(Site site, string segmentId) =>
        ApiError.Problem(StatusCodes.Status404NotFound, $"Site '{site.Domain}' has no segment {Clip(segmentId)}.");
}
