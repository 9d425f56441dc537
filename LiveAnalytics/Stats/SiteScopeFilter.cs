using LiveAnalytics.Settings;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Stats;

/// <summary>
/// Resolves <c>site_id</c> to a site the API key reaches. Unknown sites and other merchants' sites get
/// the same 403, so the API does not reveal which domains exist.
/// </summary>
public sealed class SiteScopeFilter(SiteAccess access) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var domain = http.Request.Query["site_id"].ToString();
        if (string.IsNullOrWhiteSpace(domain))
            return ApiError.Problem(StatusCodes.Status400BadRequest, "'site_id' is required: the site's domain, e.g. site_id=shop.example.com.");
        if (await access.FindAsync(ApiKeyAuthFilter.Of(http), domain) is not { } site)
            return ApiError.Problem(StatusCodes.Status403Forbidden, $"This API key has no access to site '{domain}'.");
        http.Items[typeof(Site)] = site;
        return await next(context);
    }

    public static Site Of(HttpContext http) => (Site)http.Items[typeof(Site)]!;
}
