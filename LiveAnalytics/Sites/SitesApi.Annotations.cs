using System.Globalization;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Settings;
using LiveAnalytics.Stats;
using Microsoft.AspNetCore.Mvc;

namespace LiveAnalytics.Sites;

/// <summary>
/// A site's annotations through the API, as the history page's: a deploy script notes "v1.4 deployed" on the day it ran,
/// and the team sees it on the chart. Any member's key may add one; its author or an owner or admin removes it.
/// </summary>
public static partial class SitesApi
{
    private static void MapAnnotations(RouteGroupBuilder sites)
    {
        sites.MapGet("/annotations", AnnotationsAsync);
        sites.MapPost("/annotations", PostAnnotationAsync);
        sites.MapPut("/annotations/{annotationId}", PutAnnotationAsync);
        sites.MapDelete("/annotations/{annotationId}", DeleteAnnotationAsync);
    }

    public sealed record AnnotationResult(long Id, string Date, string Text, string? Author)
    {
        public static AnnotationResult Of(Annotation a) => new(a.Id, Day(a.Day), a.Text, a.Author);
    }

    /// <summary><c>?site_id=…&amp;from=YYYY-MM-DD&amp;to=YYYY-MM-DD</c>, both days optional and included.</summary>
    private static async Task<IResult> AnnotationsAsync(HttpContext http, [FromQuery(Name = "site_id")] string? siteId, string? from, string? to,
        SiteAccess access, Annotations annotations)
    {
        if (await SiteAsync(http, siteId, access) is not { } site) return Missing(siteId);
        if (!TryDay(from, DateOnly.MinValue, out var first)) return BadDay("from", from);
        if (!TryDay(to, DateOnly.MaxValue, out var last)) return BadDay("to", to);
        if (last < first) return ApiError.Problem(StatusCodes.Status400BadRequest, "'to' must not be before 'from'.");
        var listed = await annotations.ListAsync(site.Id, first, last);
        return TypedResults.Ok(new { annotations = listed.Select(AnnotationResult.Of) });
    }

    /// <summary>Body: <c>{"site_id": "shop.example.com", "text": "v1.4 deployed", "date": "2026-11-27"}</c>; the date
    /// optional, today in the site's time zone by default.</summary>
    private static async Task<IResult> PostAnnotationAsync(HttpContext http, SiteAccess access, Annotations annotations, TimeProvider time, CancellationToken ct)
    {
        var (site, date, text, problem) = await AnnotationBodyAsync(http, access, ct);
        if (site is null) return problem!;
        if (!TryDay(date, SiteClock.Today(site, time), out var day)) return BadDay("date", date);
        var (id, error) = await annotations.CreateAsync(site, ApiKeyAuthFilter.Of(http).UserId, day, text ?? "");
        if (id is null) return Refused(error!);
        // Removed by a teammate just after, it is still what was added.
        var added = await annotations.FindAsync(site.Id, id.Value) ?? new Annotation(id.Value, day, text!.Trim(), ApiKeyAuthFilter.Of(http).UserId, null);
        return TypedResults.Created($"/api/v1/sites/annotations?site_id={site.Domain}&from={Day(day)}&to={Day(day)}", AnnotationResult.Of(added));
    }

    /// <summary>Body: <c>{"site_id": "shop.example.com", "text": "v1.4.1 deployed", "date": "2026-11-28"}</c>; what is left
    /// out stays as it was.</summary>
    private static async Task<IResult> PutAnnotationAsync(HttpContext http, string annotationId, SiteAccess access, Annotations annotations, CancellationToken ct)
    {
        var (site, date, text, problem) = await AnnotationBodyAsync(http, access, ct);
        if (site is null) return problem!;
        if (await FindAnnotationAsync(annotations, site, annotationId) is not { } found) return NoAnnotation(site, annotationId);
        if (!TryDay(date, found.Day, out var day)) return BadDay("date", date);
        var refused = await annotations.UpdateAsync(site, ApiKeyAuthFilter.Of(http).UserId, found.Id, day, text ?? found.Text);
        if (refused is not null) return Refused(refused);
        // Removed by a teammate just after: as if before.
        return await annotations.FindAsync(site.Id, found.Id) is { } changed ? TypedResults.Ok(AnnotationResult.Of(changed)) : NoAnnotation(site, annotationId);
    }

    /// <summary>An annotation's body: its site (one the key reaches), and its date and text as sent; or the problem with it.</summary>
    private static async Task<(Site? Site, string? Date, string? Text, IResult? Problem)> AnnotationBodyAsync(HttpContext http, SiteAccess access,
        CancellationToken ct)
    {
        var (body, problem) = await ReadObjectAsync(http, ct, "site_id", "date", "text");
        if (body is null) return (null, null, null, problem);
        using (body)
        {
            var root = body.RootElement;
            if (!TryString(root, "site_id", out var siteId) || !TryString(root, "date", out var date) || !TryString(root, "text", out var text))
                return (null, null, null, ApiError.Problem(StatusCodes.Status400BadRequest, "'site_id', 'date' and 'text' must be strings."));
            return await SiteAsync(http, siteId, access) is { } site ? (site, date, text, null) : (null, null, null, Missing(siteId));
        }
    }

    private static async Task<IResult> DeleteAnnotationAsync(HttpContext http, string annotationId, [FromQuery(Name = "site_id")] string? siteId,
        SiteAccess access, Annotations annotations)
    {
        if (await SiteAsync(http, siteId, access) is not { } site) return Missing(siteId);
        if (await FindAnnotationAsync(annotations, site, annotationId) is not { } found) return NoAnnotation(site, annotationId);
        return await annotations.RemoveAsync(site, ApiKeyAuthFilter.Of(http).UserId, found.Id) is { } refused
            ? Refused(refused)
            : TypedResults.Ok(new { deleted = true });
    }

    private static async Task<Annotation?> FindAnnotationAsync(Annotations annotations, Site site, string annotationId) =>
        long.TryParse(annotationId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? await annotations.FindAsync(site.Id, id)
            : null;

    private static IResult NoAnnotation(Site site, string annotationId) =>
        ApiError.Problem(StatusCodes.Status404NotFound, $"Site '{site.Domain}' has no annotation {Clip(annotationId)}.");

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A day as YYYY-MM-DD, or <paramref name="absent"/> when none is given.</summary>
    private static bool TryDay(string? text, DateOnly absent, out DateOnly day)
    {
        day = absent;
        return string.IsNullOrEmpty(text) || DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    private static IResult BadDay(string name, string? value) =>
        ApiError.Problem(StatusCodes.Status400BadRequest, $"'{name}' must be a day as YYYY-MM-DD, e.g. 2026-11-27, not '{Clip(value ?? "")}'.");
}
