namespace LiveAnalytics.Widgets;

/// <summary>
/// Origins allowed to frame a widget, as CSP <c>frame-ancestors</c> sources: a scheme, a host
/// (optionally with a leading <c>*.</c> for subdomains) and a port; no path, no query.
/// </summary>
public static class WidgetOrigins
{
    public const int MaxOrigins = 20;

    /// <returns>The normalised origins, or an error that names the bad entry.</returns>
    public static (IReadOnlyList<string> Origins, string? Error) Parse(string? text)
    {
        var entries = (text ?? "").Split(['\n', ',', ' ', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (entries.Length == 0) return ([], "Name at least one origin that may embed the widget, e.g. https://shop.example.com.");
        if (entries.Length > MaxOrigins) return ([], $"At most {MaxOrigins} origins are allowed.");
        var origins = new List<string>();
        foreach (var entry in entries)
        {
            if (Normalise(entry) is not { } origin)
                return ([], $"'{(entry.Length > 60 ? entry[..60] + "…" : entry)}' is not an origin: use scheme and host, like https://shop.example.com or https://*.example.com.");
            if (!origins.Contains(origin)) origins.Add(origin);
        }
        return (origins, null);
    }

    private static string? Normalise(string entry)
    {
        if (entry.Any(char.IsControl)) return null;
        var wildcard = entry.Contains("://*.", StringComparison.Ordinal);
        if (!Uri.TryCreate(wildcard ? entry.Replace("://*.", "://", StringComparison.Ordinal) : entry, UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme is not ("https" or "http") || uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4)) return null;
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0) return null;
        if (entry.TrimEnd('/').Count(c => c == '/') != 2) return null;
        var host = (wildcard ? "*." : "") + uri.IdnHost.ToLowerInvariant();
        return uri.IsDefaultPort ? $"{uri.Scheme}://{host}" : $"{uri.Scheme}://{host}:{uri.Port}";
    }
}
