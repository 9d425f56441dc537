using Microsoft.AspNetCore.WebUtilities;

namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>Where a visit came from: a source name, a medium, the page URL's UTM parameters, and the channel they make.</summary>
/// <param name="Channel">One of <see cref="Channels.All"/>, or null for a page reached from the store itself.</param>
public sealed record Attribution(
    string? Source, string? Medium, string? UtmSource, string? UtmMedium, string? UtmCampaign, string? UtmContent, string? UtmTerm,
    string? Channel = null)
{
    public const int MaxLength = 200;
    private static readonly string[] PaidMediums = ["cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-social", "paid_social", "cpm", "display", "banner", "cpv"];
    private static readonly string[] PaidClickIds = ["gclid", "gbraid", "wbraid", "msclkid", "dclid", "ttclid", "li_fat_id"];
    internal static readonly Dictionary<string, Microsoft.Extensions.Primitives.StringValues> NoQuery = [];

    /// <summary>
    /// UTM parameters win over the referrer, as in Plausible; a referrer on the page's own site is
    /// internal navigation and attributes nothing.
    /// </summary>
    public static Attribution Of(Uri page, Uri? referrer, ReferrerSources sources)
    {
        // Most pages carry no query: no dictionary to build for them.
        var query = page.Query.Length > 1 ? QueryHelpers.ParseQuery(page.Query) : NoQuery;
        string? Param(string name) => query.TryGetValue(name, out var v) && v.ToString().Trim() is { Length: > 0 } s
            ? (s.Length > MaxLength ? s[..MaxLength] : s) : null;
        var (utmSource, utmMedium, utmCampaign) = (Param("utm_source"), Param("utm_medium"), Param("utm_campaign"));
        var (utmContent, utmTerm) = (Param("utm_content"), Param("utm_term"));

        var (external, known) = Referred(referrer, page.Host, sources);
        var source = utmSource ?? known?.Name ?? (external is null ? null : StripWww(external.Host));
        var medium = utmMedium?.ToLowerInvariant() switch
        {
            _ when HasPaidClickId(query) => Mediums.Paid,
            { } m when PaidMediums.Contains(m) => Mediums.Paid,
            { } m when Channels.EmailMediums.Contains(m) => Mediums.Email,
            { } m when Channels.SocialMediums.Contains(m) => Mediums.Social,
            "organic" => Mediums.Search,
            _ when known is not null => known.Medium,
            _ when source is not null => Mediums.Referral,
            _ when referrer is not null => null,   // internal navigation
            _ => Mediums.Direct,
        };
        var channel = Channels.Of(medium, source, known, utmMedium, utmSource, utmCampaign, query, external is not null, sources);
        return new Attribution(source, medium, utmSource, utmMedium, utmCampaign, utmContent, utmTerm, channel);
    }

    // A loop, not PaidClickIds.Any(query.ContainsKey): that makes a delegate for every event.
    private static bool HasPaidClickId(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        foreach (var id in PaidClickIds)
            if (query.ContainsKey(id)) return true;
        return false;
    }

    public static string StripWww(string host) =>
        (host.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? host[4..] : host).ToLowerInvariant();

    /// <summary>The referrer if it is another site's (one on the page's own site is internal navigation), and its entry
    /// in the list of known sites if it has one.</summary>
    internal static (Uri? External, ReferrerSource? Known) Referred(Uri? referrer, string host, ReferrerSources sources)
    {
        var external = referrer is not null && !SameSite(referrer.Host, host) ? referrer : null;
        return (external, external is null ? null : sources.Find(external));
    }

    private static bool SameSite(string a, string b) => string.Equals(StripWww(a), StripWww(b), StringComparison.OrdinalIgnoreCase);
}
