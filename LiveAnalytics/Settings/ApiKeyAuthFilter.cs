namespace LiveAnalytics.Settings;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;api key&gt;</c> for the /api/v1 endpoints and hands the
/// key's <see cref="ApiKeyPrincipal"/> to the handler through <see cref="Of"/>.
/// </summary>
public sealed class ApiKeyAuthFilter(ApiKeys keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return ApiError.Problem(StatusCodes.Status401Unauthorized, "Missing API key: send 'Authorization: Bearer <api key>'.");
        if (await keys.AuthenticateAsync(header["Bearer ".Length..].Trim()) is not { } key)
            return ApiError.Problem(StatusCodes.Status401Unauthorized, "Invalid API key: it is unknown or was revoked.");
        http.Items[typeof(ApiKeyPrincipal)] = key;
        return await next(context);
    }

    public static ApiKeyPrincipal Of(HttpContext http) => (ApiKeyPrincipal)http.Items[typeof(ApiKeyPrincipal)]!;
}

public static class ApiError
{
    /// <summary>problem+json that also carries Plausible's <c>error</c> member, which its API clients read.</summary>
    public static IResult Problem(int status, string message) =>
        TypedResults.Problem(message, statusCode: status, extensions: new Dictionary<string, object?> { ["error"] = message });
}
