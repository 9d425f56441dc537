using System.Text.RegularExpressions;

namespace LiveAnalytics.Ingestion;

/// <summary>The one rule for what a site's domain may be, shared by the beacon and the add-site form.</summary>
public static partial class SiteDomain
{
    public const int MaxLength = 253;

    public static bool IsValid(string domain) => domain.Length <= MaxLength && Pattern().IsMatch(domain);

    /// <summary>Lower-cased, without scheme, "www." or a trailing slash, as merchants often paste it.</summary>
    public static string Normalize(string input)
    {
        var d = input.Trim().ToLowerInvariant();
        foreach (var scheme in new[] { "https://", "http://" })
            if (d.StartsWith(scheme, StringComparison.Ordinal)) d = d[scheme.Length..];
        d = d.TrimEnd('/');
        return d.StartsWith("www.", StringComparison.Ordinal) ? d[4..] : d;
    }

    // Host names: dot-separated labels of letters, digits and hyphens, with an optional port (local testing).
    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$")]
    private static partial Regex Pattern();
}
