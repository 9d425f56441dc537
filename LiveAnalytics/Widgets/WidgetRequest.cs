namespace LiveAnalytics.Widgets;

/// <summary>A widget request's query (token, theme, and what it counts), checked; <see cref="Error"/> says what is wrong.</summary>
/// <param name="Subject">What the widget counts: the page of page-viewers, the custom event of recent-events; else null.</param>
/// <param name="Label">What recent-events calls its event's count ("orders"); the event's name by default.</param>
public sealed record WidgetRequest(string Kind, string Theme, string? Subject, WidgetGrant Grant, string? Label = null)
{
    public const int MaxPageLength = 2000;
    public const int MaxEventLength = 100;
    public const int MaxLabelLength = 40;
    public const int MaxTokenEvents = 20;

    public static async Task<(WidgetRequest? Request, int Status, string? Error)> ReadAsync(HttpContext http, string kind, WidgetTokens tokens)
    {
        var query = http.Request.Query;
        if (!WidgetKind.All.Contains(kind))
            return (null, 404, $"There is no widget '{Clip(kind)}'; widgets are {string.Join(", ", WidgetKind.All)}.");
        var theme = query["theme"].ToString() is { Length: > 0 } t ? t : "light";
        if (!WidgetTheme.All.Contains(theme))
            return (null, 400, $"'theme' must be one of {string.Join(", ", WidgetTheme.All)}.");
        string? subject = null;
        if (kind == WidgetKind.PageViewers)
        {
            var raw = query["page"].ToString();
            if (raw.Length == 0) return (null, 400, "'page' is required: the path (or URL) of the page the widget sits on.");
            if (raw.Length > MaxPageLength) return (null, 400, $"'page' is {raw.Length} characters; at most {MaxPageLength} are allowed.");
            subject = PathOf(raw);
            if (subject is null) return (null, 400, "'page' must be a path starting with / or an http(s) URL.");
        }
        string? label = null;
        if (kind == WidgetKind.RecentEvents)
        {
            var name = query["event"].ToString().Trim();
            if (name.Length == 0) return (null, 400, "'event' is required: the name of the custom event to count, e.g. Purchase.");
            if (name.Length > MaxEventLength || name.Any(char.IsControl))
                return (null, 400, $"'event' must be an event's name: at most {MaxEventLength} characters, no control characters.");
            label = query["label"].ToString().Trim() is { Length: > 0 } l ? l : null;
            if (label is { Length: > MaxLabelLength } || label?.Any(char.IsControl) == true)
                return (null, 400, $"'label' must be at most {MaxLabelLength} characters of text, e.g. orders.");
            subject = name;
        }
        var token = query["token"].ToString();
        if (token.Length == 0) return (null, 401, "'token' is required: create a widget token on the site's Widgets page.");
        if (await tokens.AuthenticateAsync(token) is not { } grant)
            return (null, 401, "This widget token is unknown or was revoked.");
        if (!grant.Widgets.Contains(kind))
            return (null, 403, $"This widget token does not allow the '{kind}' widget.");
        if (kind == WidgetKind.RecentEvents && !grant.Events.Contains(subject!))
            // Which it does count stays unsaid: the token is public, in the storefront's page.
            return (null, 403, $"This widget token does not count '{Clip(subject!)}': a token names the events it may count when it is made (the site's Widgets page).");
        return (new WidgetRequest(kind, theme, subject, grant, label), 200, null);
    }

    /// <summary>The custom events a token's recent-events widget may count, as the Widgets page takes them: names separated by commas.</summary>
    /// <returns>The names, or an error that says what is wrong.</returns>
    public static (IReadOnlyList<string> Events, string? Error) ParseEvents(string? text)
    {
        var names = (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return ([], "Name the custom events the recent-events widget may count, e.g. Purchase.");
        if (names.Count > MaxTokenEvents) return ([], $"A token may count at most {MaxTokenEvents} custom events.");
        if (names.FirstOrDefault(n => n.Length > MaxEventLength || n.Any(char.IsControl)) is { } bad)
            return ([], $"'{Clip(bad)}' is not an event's name: at most {MaxEventLength} characters, no control characters.");
        return (names, null);
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
