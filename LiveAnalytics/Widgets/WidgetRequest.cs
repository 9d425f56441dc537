namespace LiveAnalytics.Widgets;

/// <summary>A widget request's query (token, theme, page), checked; <see cref="Error"/> says what is wrong.</summary>
public sealed record WidgetRequest(string Kind, string Theme, string? Page, WidgetGrant Grant)
{
    public const int MaxPageLength = 2000;

    public static async Task<(WidgetRequest? Request, int Status, string? Error)> ReadAsync(HttpContext http, string kind, WidgetTokens tokens)
    {
        var query = http.Request.Query;
        if (!WidgetKind.All.Contains(kind))
            return (null, 404, $"There is no widget '{Clip(kind)}'; widgets are {string.Join(", ", WidgetKind.All)}.");
        var theme = query["theme"].ToString() is { Length: > 0 } t ? t : "light";
        if (!WidgetTheme.All.Contains(theme))
            return (null, 400, $"'theme' must be one of {string.Join(", ", WidgetTheme.All)}.");
        string? page = null;
        if (kind == WidgetKind.PageViewers)
        {
            var raw = query["page"].ToString();
            if (raw.Length == 0) return (null, 400, "'page' is required: the path (or URL) of the page the widget sits on.");
            if (raw.Length > MaxPageLength) return (null, 400, $"'page' is {raw.Length} characters; at most {MaxPageLength} are allowed.");
            page = PathOf(raw);
            if (page is null) return (null, 400, "'page' must be a path starting with / or an http(s) URL.");
        }
        var token = query["token"].ToString();
        if (token.Length == 0) return (null, 401, "'token' is required: create a widget token on the site's Widgets page.");
        if (await tokens.AuthenticateAsync(token) is not { } grant)
            return (null, 401, "This widget token is unknown or was revoked.");
        if (!grant.Widgets.Contains(kind))
            return (null, 403, $"This widget token does not allow the '{kind}' widget.");
        return (new WidgetRequest(kind, theme, page, grant), 200, null);
    }

    // The live numbers track paths; a query string or fragment would split one page's viewers.
    private static string? PathOf(string raw)
    {
        if (raw.StartsWith('/') && !raw.StartsWith("//", StringComparison.Ordinal))
            return Uri.TryCreate(new Uri("http://x"), raw, out var rel) ? rel.AbsolutePath : null;
        return Uri.TryCreate(raw, UriKind.Absolute, out var abs) && abs.Scheme is "http" or "https" ? abs.AbsolutePath : null;
    }

    private static string Clip(string s) => Infrastructure.Quoted.Clip(s, 40);
}
