using LiveAnalytics.Accounts;
using Microsoft.AspNetCore.Mvc;

namespace LiveAnalytics.Components.Layout;

/// <summary>The browser's <see cref="ThemeChoice"/> mode, cascaded to the app bar's button.</summary>
public sealed record ThemeMode(string Mode);

/// <summary>
/// The theme a browser picked with the app bar's button: the system's (light or dark as it is set, the default), light or
/// dark. Kept in a cookie of the browser, not the account: the same merchant may want dark on a laptop at night and the
/// system's on the office screen. Read when a page is rendered (<see cref="App"/>), so a change reloads the page.
/// </summary>
public static class ThemeChoice
{
    public const string System = "system", Light = "light", Dark = "dark", Cookie = "la_theme", Path = "/theme";

    /// <summary>The order the button goes through them.</summary>
    private static readonly string[] Cycle = [System, Light, Dark];

    public static string Of(HttpContext? http) =>
        http?.Request.Cookies[Cookie] is { } mode && Cycle.Contains(mode) ? mode : System;

    public static string Next(string mode) => Cycle[(Array.IndexOf(Cycle, mode) + 1) % Cycle.Length];

    public static string Describe(string mode) => mode switch { Light => "light", Dark => "dark", _ => "as the system is set" };

    public static WebApplication MapTheme(this WebApplication app)
    {
        // A form post (with the page's antiforgery token, as any form field binding requires) from the app bar's button.
        app.MapPost(Path, ([FromForm] string mode, [FromForm] string? returnUrl, HttpContext http) =>
        {
            if (!Cycle.Contains(mode))
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"'mode' must be one of: {string.Join(", ", Cycle)}.");
            http.Response.Cookies.Append(Cookie, mode, new CookieOptions
            {
                MaxAge = TimeSpan.FromDays(365), HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, IsEssential = true,
            });
            return Results.LocalRedirect(AccountsExtensions.SafeReturnUrl(returnUrl));
        });
        return app;
    }
}
