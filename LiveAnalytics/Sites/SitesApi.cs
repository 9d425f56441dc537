using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Settings;
using LiveAnalytics.Stats;
using Microsoft.AspNetCore.Mvc;

namespace LiveAnalytics.Sites;

/// <summary>
/// The Sites API, shaped like Plausible's: a platform that hosts shops (or a merchant's own scripts) adds a site, reads
/// it, deletes it, and sets its goals, with an API key, as the settings pages do. A key limited to some sites reaches
/// only those and cannot add sites; roles hold as on the pages (goals take an owner or admin, deleting the owner).
/// A site the key does not reach is answered like one that does not exist. Annotations too (<c>SitesApi.Annotations.cs</c>).
/// </summary>
public static partial class SitesApi
{
    /// <summary>A site's fields in JSON; anything larger is not a site.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static RouteGroupBuilder Map(WebApplication app)
    {
        var sites = app.MapGroup("/api/v1/sites")
            .AddEndpointFilter<DatabaseUnavailableFilter>().AddEndpointFilter<ApiKeyAuthFilter>().DisableAntiforgery();
        sites.MapGet("", ListAsync);
        sites.MapPost("", CreateAsync);
        sites.MapGet("/goals", GoalsAsync);
        sites.MapPut("/goals", PutGoalAsync);
        sites.MapDelete("/goals/{goalId}", DeleteGoalAsync);
        MapAnnotations(sites);
        MapSegments(sites);
        sites.MapGet("/{domain}", GetAsync);
        sites.MapPut("/{domain}", ChangeAsync);
        sites.MapDelete("/{domain}", DeleteAsync);
        return sites;
    }

    /// <param name="Snippet">The tracking snippet for the store's pages, when the site was just added.</param>
    public sealed record SiteResult(string Domain, string Name, string Timezone, string Role,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Snippet = null);

    private static async Task<IResult> ListAsync(HttpContext http, SiteRepository repository, SiteTeam team)
    {
        var key = ApiKeyAuthFilter.Of(http);
        // The roles in one query, not one a site.
        var roles = await team.RolesAsync(key.UserId);
        var results = (await repository.ListForUserAsync(key.UserId)).Where(s => key.Reaches(s.Id))
            .Select(s => new SiteResult(s.Domain, s.Name, s.Timezone, roles.GetValueOrDefault(s.Id, SiteTeam.Viewer))).ToList();
        return TypedResults.Ok(new { sites = results });
    }

    private static async Task<IResult> GetAsync(HttpContext http, string domain, SiteAccess access, SiteTeam team) =>
        await access.FindAsync(ApiKeyAuthFilter.Of(http), domain) is { } site
            ? TypedResults.Ok(await ResultAsync(site, ApiKeyAuthFilter.Of(http), team))
            : NotFound(domain);

    /// <summary>Body: <c>{"domain": "shop.example.com", "name": "My shop", "timezone": "Europe/Berlin"}</c>; name and time zone optional.</summary>
    private static async Task<IResult> CreateAsync(HttpContext http, SiteRepository repository, SiteTeam team, CancellationToken ct)
    {
        var key = ApiKeyAuthFilter.Of(http);
        if (key.SiteIds is not null)
            return ApiError.Problem(StatusCodes.Status403Forbidden, "This API key is limited to some sites, so it cannot add one: use a key for all your sites.");
        var (body, problem) = await ReadObjectAsync(http, ct, "domain", "name", "timezone");
        if (body is null) return problem!;
        using (body)
        {
            var root = body.RootElement;
            if (!TryString(root, "domain", out var domain) || !TryString(root, "name", out var name) || !TryString(root, "timezone", out var timezone))
                return ApiError.Problem(StatusCodes.Status400BadRequest, "'domain', 'name' and 'timezone' must be strings.");
            var normalized = SiteDomain.Normalize(domain ?? "");
            var site = new NewSite { Domain = normalized, Name = (name ?? normalized).Trim(), Timezone = timezone ?? "UTC" };
            var problems = new List<ValidationResult>();
            if (!Validator.TryValidateObject(site, new ValidationContext(site), problems, validateAllProperties: true))
                return ApiError.Problem(StatusCodes.Status400BadRequest, string.Join(" ", problems.Select(p => p.ErrorMessage)));
            if (await repository.CreateAsync(key.UserId, site) is not { } created)
                return ApiError.Problem(StatusCodes.Status409Conflict, $"{site.Domain} is already registered. Ask its owner to add you to the team.");
            var snippet = TrackingSnippet.For(created.Domain, $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}");
            return TypedResults.Created($"/api/v1/sites/{created.Domain}", await ResultAsync(created, key, team) with { Snippet = snippet });
        }
    }

    /// <summary>
    /// Body: <c>{"name": "New name"}</c> and/or <c>{"domain": "new.example.com"}</c>, or <c>{"timezone": "Europe/Berlin"}</c>
    /// alone. A new domain keeps the site's history; the old one still names it for <see cref="SiteIdentity.Grace"/>. A new
    /// time zone rebuilds the history, as on the settings page.
    /// </summary>
    private static async Task<IResult> ChangeAsync(HttpContext http, string domain, SiteAccess access, SiteIdentity identity, SiteTimeZone timeZones,
        SiteTeam team, CancellationToken ct)
    {
        var key = ApiKeyAuthFilter.Of(http);
        if (await access.FindAsync(key, domain) is not { } site) return NotFound(domain);
        var (body, problem) = await ReadObjectAsync(http, ct, "name", "domain", "timezone");
        if (body is null) return problem!;
        using (body)
        {
            var root = body.RootElement;
            if (!TryString(root, "name", out var name) || !TryString(root, "domain", out var newDomain) || !TryString(root, "timezone", out var timezone))
                return ApiError.Problem(StatusCodes.Status400BadRequest, "'name', 'domain' and 'timezone' must be strings.");
            // Nothing known to change would answer 200 for a request that did nothing (a misspelt member, say).
            if (name is null && newDomain is null && timezone is null)
                return ApiError.Problem(StatusCodes.Status400BadRequest, "Send what to change: 'name' and 'domain', or 'timezone'.");
            if (timezone is not null)
            {
                // A request does all it asks or nothing: a time zone change (which rebuilds the history and may be refused
                // for it) does not mix with the others.
                if (name is not null || newDomain is not null)
                    return ApiError.Problem(StatusCodes.Status400BadRequest, "Change 'timezone' in a request of its own: it rebuilds the site's history.");
                if (await timeZones.SetAsync(site, key.UserId, timezone) is { } error)
                    return ApiError.Problem(error == SiteTeam.SettingsRefused ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest, error);
                return TypedResults.Ok(await ResultAsync(site with { Timezone = TimeZoneInfo.FindSystemTimeZoneById(timezone).Id }, key, team));
            }
            var change = await identity.ChangeAsync(site, key.UserId, name ?? site.Name, newDomain ?? site.Domain);
            return change.Site is { } changed ? TypedResults.Ok(await ResultAsync(changed, key, team)) : ApiError.Problem(change.Refusal switch
            {
                SiteChangeRefusal.NotAllowed => StatusCodes.Status403Forbidden,
                SiteChangeRefusal.Taken => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status400BadRequest,
            }, change.Error!);
        }
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, string domain, SiteAccess access, SiteDeletion deletion)
    {
        var key = ApiKeyAuthFilter.Of(http);
        if (await access.FindAsync(key, domain) is not { } site) return NotFound(domain);
        return await deletion.DeleteAsync(site.Id, key.UserId)
            ? TypedResults.Ok(new { deleted = true })
            : ApiError.Problem(StatusCodes.Status403Forbidden, "Only the site's owners delete it.");
    }

    public sealed record GoalResult(long Id, [property: JsonPropertyName("goal_type")] string GoalType,
        [property: JsonPropertyName("event_name")] string? EventName, [property: JsonPropertyName("page_path")] string? PagePath,
        [property: JsonPropertyName("display_name")] string DisplayName)
    {
        public static GoalResult Of(Goal g) =>
            new(g.Id, g.Kind, g.Kind == Goal.Event ? g.Pattern : null, g.Kind == Goal.Page ? g.Pattern : null, g.Label);
    }

    private static async Task<IResult> GoalsAsync(HttpContext http, [FromQuery(Name = "site_id")] string? siteId, SiteAccess access, Goals goals) =>
        await SiteAsync(http, siteId, access) is { } site
            ? TypedResults.Ok(new { goals = (await goals.ListAsync(site.Id)).Select(GoalResult.Of) })
            : Missing(siteId);

    /// <summary>
    /// Body: <c>{"site_id": "shop.example.com", "goal_type": "event", "event_name": "Signup"}</c> or <c>"goal_type": "page",
    /// "page_path": "/thank-you"</c>. Finds the goal or adds it: sending it again changes nothing.
    /// </summary>
    private static async Task<IResult> PutGoalAsync(HttpContext http, SiteAccess access, Goals goals, CancellationToken ct)
    {
        var (body, problem) = await ReadObjectAsync(http, ct, "site_id", "goal_type", "event_name", "page_path");
        if (body is null) return problem!;
        using (body)
        {
            var root = body.RootElement;
            if (!TryString(root, "site_id", out var siteId) || !TryString(root, "goal_type", out var type)
                || !TryString(root, "event_name", out var eventName) || !TryString(root, "page_path", out var pagePath))
                return ApiError.Problem(StatusCodes.Status400BadRequest, "'site_id', 'goal_type', 'event_name' and 'page_path' must be strings.");
            if (await SiteAsync(http, siteId, access) is not { } site) return Missing(siteId);
            var pattern = type switch { Goal.Event => eventName, Goal.Page => pagePath, _ => null };
            if (pattern is null)
                return ApiError.Problem(StatusCodes.Status400BadRequest,
                    "'goal_type' must be 'event' with 'event_name' (e.g. Signup) or 'page' with 'page_path' (e.g. /thank-you).");
            pattern = pattern.Trim();
            var existing = (await goals.ListAsync(site.Id)).FirstOrDefault(g => g.Kind == type && g.Pattern == pattern);
            if (existing is null && await goals.AddAsync(site, ApiKeyAuthFilter.Of(http).UserId, type!, pattern) is { } refused)
                return ApiError.Problem(refused == SiteTeam.SettingsRefused ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest, refused);
            existing ??= (await goals.ListAsync(site.Id)).FirstOrDefault(g => g.Kind == type && g.Pattern == pattern);
            // Added and removed at once by someone else: as if it had not been sent.
            return existing is null
                ? ApiError.Problem(StatusCodes.Status409Conflict, "The goal was removed while it was being added; send it again.")
                : TypedResults.Ok(GoalResult.Of(existing));
        }
    }

    private static async Task<IResult> DeleteGoalAsync(HttpContext http, string goalId, [FromQuery(Name = "site_id")] string? siteId, SiteAccess access, Goals goals)
    {
        if (await SiteAsync(http, siteId, access) is not { } site) return Missing(siteId);
        if (!long.TryParse(goalId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            || (await goals.ListAsync(site.Id)).All(g => g.Id != id))
            return ApiError.Problem(StatusCodes.Status404NotFound, $"Site '{site.Domain}' has no goal {Clip(goalId)}.");
        return await goals.RemoveAsync(site, ApiKeyAuthFilter.Of(http).UserId, id) is { } refused
            ? ApiError.Problem(StatusCodes.Status403Forbidden, refused)
            : TypedResults.Ok(new { deleted = true });
    }

    private static async Task<SiteResult> ResultAsync(Site site, ApiKeyPrincipal key, SiteTeam team) =>
        new(site.Domain, site.Name, site.Timezone, await team.RoleAsync(site.Id, key.UserId) ?? SiteTeam.Viewer);

    private static async Task<Site?> SiteAsync(HttpContext http, string? domain, SiteAccess access) =>
        string.IsNullOrWhiteSpace(domain) ? null : await access.FindAsync(ApiKeyAuthFilter.Of(http), domain);

    /// <summary>A refusal of what members write for their team (<see cref="AuthoredRows"/>: annotations, segments) with its
    /// status.</summary>
    private static IResult Refused(Refusal refused) => ApiError.Problem(refused.Kind switch
    {
        RefusalKind.NotAllowed => StatusCodes.Status403Forbidden,
        RefusalKind.Conflict => StatusCodes.Status409Conflict,
        RefusalKind.Gone => StatusCodes.Status404NotFound,
        _ => StatusCodes.Status400BadRequest,
    }, refused.Message);

    private static IResult Missing(string? domain) => string.IsNullOrWhiteSpace(domain)
        ? ApiError.Problem(StatusCodes.Status400BadRequest, "'site_id' is required: the site's domain, e.g. site_id=shop.example.com.")
        : NotFound(domain);

    private static IResult NotFound(string domain) =>
        ApiError.Problem(StatusCodes.Status404NotFound, $"This API key reaches no site '{Clip(domain)}'.");

    /// <summary>The body as a JSON object of the <paramref name="members"/> given, or the problem that says what is wrong with it.</summary>
    private static Task<(JsonDocument? Body, IResult? Problem)> ReadObjectAsync(HttpContext http, CancellationToken ct, params string[] members) =>
        JsonBody.ReadObjectAsync(http, MaxBodyBytes, maxDepth: 4, ct, members);

    /// <summary>A string member, or null when it is absent or null; false when it is of another type.</summary>
    private static bool TryString(JsonElement root, string name, out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return true;
        if (v.ValueKind != JsonValueKind.String) return false;
        value = v.GetString();
        return true;
    }

    private static string Clip(string s) => Infrastructure.Quoted.Clip(s, 80);
}
