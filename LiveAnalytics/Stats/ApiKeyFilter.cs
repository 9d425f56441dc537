using LiveAnalytics.Settings;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;api key&gt;</c> and resolves <c>site_id</c> to a site
/// the key's user is a member of. Unknown sites and other merchants' sites get the same 403,
/// so the API does not reveal which domains exist.
/// </summary>
public sealed class ApiKeyFilter(ApiKeys keys, SiteRepository sites) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return ApiError.Problem(StatusCodes.Status401Unauthorized, "Missing API key: send 'Authorization: Bearer <api key>'.");
        if (await keys.AuthenticateAsync(header["Bearer ".Length..].Trim()) is not { } key)
            return ApiError.Problem(StatusCodes.Status401Unauthorized, "Invalid API key: it is unknown or was revoked.");

        var domain = http.Request.Query["site_id"].ToString();
        if (string.IsNullOrWhiteSpace(domain))
            return ApiError.Problem(StatusCodes.Status400BadRequest, "'site_id' is required: the site's domain, e.g. site_id=shop.example.com.");
        if (domain.Length > 253 || await sites.FindByDomainForUserAsync(domain.Trim().ToLowerInvariant(), key.UserId) is not { } site
            || !key.Reaches(site.Id))
            return ApiError.Problem(StatusCodes.Status403Forbidden, $"This API key has no access to site '{domain}'.");

        http.Items[typeof(Site)] = site;
        return await next(context);
    }
}

public static class ApiError
{
    /// <summary>problem+json that also carries Plausible's <c>error</c> member, which its API clients read.</summary>
    public static IResult Problem(int status, string message) =>
        TypedResults.Problem(message, statusCode: status, extensions: new Dictionary<string, object?> { ["error"] = message });
}
