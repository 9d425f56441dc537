using System.Security.Claims;
using System.Text.Encodings.Web;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;
using LiveAnalytics.Widgets;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Live.Hub;

/// <summary>
/// Authenticates the public hub by API key (with <c>site_id</c>) or widget token, from
/// <c>Authorization: Bearer</c> or, for WebSockets where browsers cannot set headers, the
/// <c>access_token</c> query parameter. The principal names the one site and what it may see.
/// </summary>
public sealed class LiveTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeys keys, SiteAccess access, WidgetTokens widgets)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "LiveToken";
    public const string SiteClaim = "la:site";
    public const string ScopeClaim = "la:scope";
    /// <summary>Sees events with visitor ids (API keys); widget tokens see counters only.</summary>
    public const string EventsScope = "events";
    public const string CountersScope = "counters";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : Request.Query["access_token"].ToString();
        if (token.Length == 0) return AuthenticateResult.NoResult();

        if (token.StartsWith("lw_", StringComparison.Ordinal))
        {
            if (await widgets.AuthenticateAsync(token) is not { } grant) return AuthenticateResult.Fail("The widget token is unknown or was revoked.");
            return Success(grant.SiteId, CountersScope, $"widget-token:{grant.TokenId}");
        }
        if (await keys.AuthenticateAsync(token) is not { } key) return AuthenticateResult.Fail("The API key is unknown or was revoked.");
        // A key without a reachable site_id authenticates but carries no site: the hub's policy answers 403.
        var domain = Request.Query["site_id"].ToString();
        var site = domain.Length == 0 ? null : await access.FindAsync(key, domain);
        return Success(site?.Id, EventsScope, $"api-key:{key.KeyId}");
    }

    // Written out with a message (never an empty body, which the status-code pages would replace with the HTML 404 page).
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => ProblemAsync(401,
        "Send an API key (with site_id) or a widget token: 'Authorization: Bearer <token>' or the access_token query parameter.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => ProblemAsync(403,
        $"This API key has no access to site '{Request.Query["site_id"]}'; name a site it reaches with site_id.");

    private async Task ProblemAsync(int status, string message)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        Response.StatusCode = status;
        await Response.WriteAsJsonAsync(new { status, detail = failure ?? message, error = failure ?? message },
            options: null, contentType: "application/problem+json");
    }

    private AuthenticateResult Success(long? siteId, string scope, string name)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(ScopeClaim, scope) };
        if (siteId is { } id) claims.Add(new Claim(SiteClaim, id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }
}
