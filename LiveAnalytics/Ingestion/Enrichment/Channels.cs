using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;

namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>
/// A visit's acquisition channel: Google Analytics 4's default channel groups (which Plausible shows too), worked out from
/// what attributed the visit: its UTM medium, source and campaign, an ad platform's click id, and the kind of site its
/// referrer is. The rules go in GA4's order; the first that holds names the channel.
/// </summary>
public static partial class Channels
{
    public const string Direct = "Direct", CrossNetwork = "Cross-network", PaidShopping = "Paid Shopping", PaidSearch = "Paid Search",
        PaidSocial = "Paid Social", PaidVideo = "Paid Video", Display = "Display", PaidOther = "Paid Other",
        OrganicShopping = "Organic Shopping", OrganicSocial = "Organic Social", OrganicVideo = "Organic Video",
        OrganicSearch = "Organic Search", Referral = "Referral", Email = "Email", Affiliates = "Affiliates", Audio = "Audio",
        Sms = "SMS", MobilePush = "Mobile Push Notifications", Unassigned = "Unassigned";

    public static readonly string[] All = [Direct, CrossNetwork, PaidShopping, PaidSearch, PaidSocial, PaidVideo, Display, PaidOther,
        OrganicShopping, OrganicSocial, OrganicVideo, OrganicSearch, Referral, Email, Affiliates, Audio, Sms, MobilePush, Unassigned];

    // The kinds of site GA4 lists beside search engines and social networks, by a site's name (ReferrerSources names their
    // domains) or a utm_source as people write it.
    private static readonly HashSet<string> VideoSites = new(["YouTube", "yt", "Vimeo", "Twitch", "Dailymotion"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> ShoppingSites = new(["Amazon", "eBay", "Etsy", "Google Shopping", "Idealo", "AliExpress", "Walmart"],
        StringComparer.OrdinalIgnoreCase);
    // Short names for the big platforms in utm_source that no referrer list carries.
    private static readonly Dictionary<string, string> SourceAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["fb"] = Mediums.Social, ["ig"] = Mediums.Social, ["meta"] = Mediums.Social, ["tiktok"] = Mediums.Social, ["x"] = Mediums.Social,
        ["adwords"] = Mediums.Search, ["google_ads"] = Mediums.Search, ["googleads"] = Mediums.Search, ["bing_ads"] = Mediums.Search,
    };
    private static readonly string[] DisplayMediums = ["display", "banner", "expandable", "interstitial", "cpm"];
    internal static readonly string[] SocialMediums = ["social", "social-network", "social-media", "social_media", "social network", "social media", "sm"];
    internal static readonly string[] EmailMediums = ["email", "e-mail", "e_mail", "e mail", "newsletter"];

    /// <summary>The channel, or null for what attributes nothing (a page reached from the store itself).</summary>
    /// <param name="medium">Our medium for it (<see cref="Mediums"/>): null for internal navigation.</param>
    /// <param name="known">The referrer's entry in the list of known sites, if any.</param>
    /// <param name="external">Whether a referrer from another site came with it.</param>
    internal static string? Of(string? medium, string? source, ReferrerSource? known, string? utmMedium, string? utmSource, string? utmCampaign,
        Dictionary<string, StringValues> query, bool external, ReferrerSources sites)
    {
        if (medium is null) return null;
        if (medium == Mediums.Direct) return Direct;
        if (utmCampaign?.Contains("cross-network", StringComparison.OrdinalIgnoreCase) == true) return CrossNetwork;
        if (ClickIdChannel(query) is { } clicked) return clicked;

        var m = utmMedium?.ToLowerInvariant() ?? "";
        var kind = KindOf(known, source, utmSource, sites);
        if (IsPaid(m))
            return kind switch
            {
                "shopping" => PaidShopping,
                Mediums.Search => PaidSearch,
                Mediums.Social => PaidSocial,
                "video" => PaidVideo,
                _ when DisplayMediums.Contains(m) => Display,
                _ => PaidOther,
            };
        if (DisplayMediums.Contains(m)) return Display;
        if (kind == "shopping" || (utmCampaign is not null && ShoppingCampaign().IsMatch(utmCampaign))) return OrganicShopping;
        if (kind == "video" || m.Contains("video")) return OrganicVideo;
        if (kind == Mediums.Social || SocialMediums.Contains(m)) return OrganicSocial;
        if (kind == Mediums.Search || m == "organic") return OrganicSearch;
        if (m is "referral" or "app" or "link") return Referral;
        if (kind == Mediums.Email || EmailMediums.Contains(m) || (utmSource is not null && EmailMediums.Any(utmSource.ToLowerInvariant().Contains)))
            return Email;
        if (m is "affiliate" or "affiliates") return Affiliates;
        if (m is "audio" or "podcast") return Audio;
        if (m == "sms" || string.Equals(utmSource, "sms", StringComparison.OrdinalIgnoreCase)) return Sms;
        if (m.EndsWith("push") || m.Contains("mobile") || m.Contains("notification") || string.Equals(utmSource, "firebase", StringComparison.OrdinalIgnoreCase))
            return MobilePush;
        // A referrer with no UTM medium to say otherwise is a referral; a medium none of the rules knows is GA4's Unassigned.
        return m.Length == 0 && external ? Referral : Unassigned;
    }

    /// <summary>
    /// The channel of a visit start stored before channels were worked out, from what the event kept: its referrer, its
    /// medium and UTM parameters (the page's query is not kept: a click id's paid visit counts as GA4's auto-tagged "cpc",
    /// by the kind of site it came from, so a Google ad's is Paid Search, a display ad's too).
    /// </summary>
    public static string? OfStored(string? medium, string? source, string? referrer, string hostname, string? utmMedium, string? utmSource,
        string? utmCampaign, ReferrerSources sites)
    {
        if (medium is null) return null;
        var (external, known) = Attribution.Referred(Uri.TryCreate(referrer, UriKind.Absolute, out var from) ? from : null, hostname, sites);
        if (medium == Mediums.Paid && utmMedium is null) utmMedium = "cpc";
        return Of(medium, source, known, utmMedium, utmSource, utmCampaign, Attribution.NoQuery, external is not null, sites);
    }

    /// <summary>GA4's shopping campaigns: "shop" (not "workshop": a letter but e before it) or "shopping" in the name.</summary>
    [GeneratedRegex("(^|[^a-df-z])shop|shopping", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ShoppingCampaign();

    /// <summary>GA4's paid mediums: any with "cp" in it (cpc, cpm, cpv, cpa), ppc, retargeting, and those that start "paid".</summary>
    private static bool IsPaid(string m) => m.Contains("cp") || m is "ppc" or "retargeting" || m.StartsWith("paid");

    /// <summary>Ad platforms' automatic tagging: a click id names the platform, and so the kind of ad.</summary>
    private static string? ClickIdChannel(Dictionary<string, StringValues> query)
    {
        if (query.Count == 0) return null;
        if (query.ContainsKey("gclid") || query.ContainsKey("gbraid") || query.ContainsKey("wbraid") || query.ContainsKey("msclkid")) return PaidSearch;
        if (query.ContainsKey("ttclid") || query.ContainsKey("li_fat_id")) return PaidSocial;
        return query.ContainsKey("dclid") ? Display : null;
    }

    /// <summary>search, social, email (our mediums for known sites), video or shopping; or null for any other site.</summary>
    private static string? KindOf(ReferrerSource? known, string? source, string? utmSource, ReferrerSources sites)
    {
        // A source named by its referrer's host was looked up by it already (known): only a utm_source's name is new.
        var site = known ?? (utmSource is null ? null : sites.FindByName(utmSource));
        var name = site?.Name ?? source;
        if (name is null) return null;
        if (VideoSites.Contains(name)) return "video";
        if (ShoppingSites.Contains(name)) return "shopping";
        return site?.Medium ?? SourceAliases.GetValueOrDefault(name);
    }
}
