using System.Text.Encodings.Web;

namespace LiveAnalytics.Widgets;

/// <summary>
/// The iframe page: static HTML, no Blazor circuit. It carries the widget's state as JSON (rendered
/// by /widget.js with textContent, so visitor-sent text can never become markup) and the URL of its
/// update stream.
/// </summary>
public static class WidgetPage
{
    public static string Render(WidgetRequest request, byte[] stateJson, string streamUrl)
    {
        var html = HtmlEncoder.Default;
        // System.Text.Json escapes <, > and & by default, so the JSON cannot close the script element.
        var json = System.Text.Encoding.UTF8.GetString(stateJson);
        return $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>Live visitors · LiveAnalytics</title>
            <link rel="stylesheet" href="/widget.css">
            <script src="/widget.js" defer></script>
            </head>
            <body class="theme-{html.Encode(request.Theme)}">
            <main class="la-widget" id="widget" data-kind="{html.Encode(request.Kind)}" data-stream="{html.Encode(streamUrl)}" data-label="{html.Encode(request.Label ?? "")}" aria-live="polite"></main>
            <script type="application/json" id="widget-state">{json}</script>
            </body>
            </html>
            """;
    }

    /// <summary>Only the token's origins (and the app itself, for the embed preview) may frame the widget.</summary>
    public static string ContentSecurityPolicy(WidgetGrant grant) =>
        $"frame-ancestors 'self' {string.Join(' ', grant.AllowedOrigins)}; default-src 'none'; script-src 'self'; " +
        "style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";
}
