using YamlDotNet.Serialization;

namespace LiveAnalytics.Ingestion.Enrichment;

public sealed record ReferrerSource(string Name, string Medium);

/// <summary>
/// Known referrers (Snowplow's referers.yml: search, social, email) plus the operator's own
/// entries from configuration, looked up by host and first path segment, then by parent domains.
/// </summary>
public sealed class ReferrerSources
{
    private readonly Dictionary<string, ReferrerSource> _byHost = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ReferrerSource> _byName = new(StringComparer.OrdinalIgnoreCase);

    public ReferrerSources(string yamlPath, IEnumerable<ConfiguredReferrer> extra)
    {
        var doc = new DeserializerBuilder().IgnoreUnmatchedProperties().Build()
            .Deserialize<Dictionary<string, Dictionary<string, Provider>>>(File.ReadAllText(yamlPath));
        foreach (var (medium, providers) in doc)
            foreach (var (name, provider) in providers)
                foreach (var domain in provider.Domains ?? [])
                    _byHost.TryAdd(domain, new ReferrerSource(name, medium == "unknown" ? Mediums.Referral : medium));
        // Then our corrections, then the operator's entries: later entries win.
        foreach (var r in Corrections.Concat(extra))
            foreach (var domain in r.Domains)
                _byHost[domain] = new ReferrerSource(r.Name, r.Medium);
        // A name listed as a plain referrer too (Google's ad and redirect domains) is known by its other kind.
        foreach (var source in _byHost.Values)
            if (!_byName.TryGetValue(source.Name, out var named) || named.Medium == Mediums.Referral) _byName[source.Name] = source;
    }

    /// <summary>
    /// Fixes and newer sites for the npm list (referer-parser 0.0.3 carries Snowplow's data of 2013:
    /// it names DuckDuckGo "DuckDuckGoL" and predates x.com).
    /// </summary>
    private static readonly ConfiguredReferrer[] Corrections =
    [
        new() { Name = "DuckDuckGo", Medium = Mediums.Search, Domains = ["duckduckgo.com", "html.duckduckgo.com", "lite.duckduckgo.com"] },
        new() { Name = "Brave Search", Medium = Mediums.Search, Domains = ["search.brave.com"] },
        new() { Name = "Kagi", Medium = Mediums.Search, Domains = ["kagi.com"] },
        new() { Name = "X", Medium = Mediums.Social, Domains = ["x.com", "t.co", "twitter.com", "mobile.twitter.com"] },
        new() { Name = "Threads", Medium = Mediums.Social, Domains = ["threads.net", "threads.com"] },
        new() { Name = "Bluesky", Medium = Mediums.Social, Domains = ["bsky.app"] },
        new() { Name = "Instagram", Medium = Mediums.Social, Domains = ["instagram.com", "l.instagram.com"] },
        new() { Name = "TikTok", Medium = Mediums.Social, Domains = ["tiktok.com"] },
        new() { Name = "LinkedIn", Medium = Mediums.Social, Domains = ["linkedin.com", "lnkd.in"] },
        // Video and shopping sites, named so that their channels can tell them (Channels).
        new() { Name = "YouTube", Medium = Mediums.Social, Domains = ["youtube.com", "m.youtube.com", "youtu.be"] },
        new() { Name = "Vimeo", Medium = Mediums.Social, Domains = ["vimeo.com"] },
        new() { Name = "Twitch", Medium = Mediums.Social, Domains = ["twitch.tv", "m.twitch.tv"] },
        new() { Name = "Dailymotion", Medium = Mediums.Social, Domains = ["dailymotion.com"] },
        new() { Name = "Amazon", Medium = Mediums.Referral, Domains = ["amazon.com", "amazon.co.uk", "amazon.de", "amazon.fr", "amazon.it",
            "amazon.es", "amazon.nl", "amazon.ca", "amazon.com.au", "amazon.co.jp", "amazon.in"] },
        new() { Name = "eBay", Medium = Mediums.Referral, Domains = ["ebay.com", "ebay.co.uk", "ebay.de", "ebay.fr", "ebay.it", "ebay.es", "ebay.com.au"] },
        new() { Name = "Etsy", Medium = Mediums.Referral, Domains = ["etsy.com"] },
        new() { Name = "Google Shopping", Medium = Mediums.Referral, Domains = ["shopping.google.com"] },
        new() { Name = "Idealo", Medium = Mediums.Referral, Domains = ["idealo.de", "idealo.co.uk", "idealo.fr", "idealo.it", "idealo.es"] },
        new() { Name = "AliExpress", Medium = Mediums.Referral, Domains = ["aliexpress.com"] },
        new() { Name = "Walmart", Medium = Mediums.Referral, Domains = ["walmart.com"] },
        new() { Name = "ChatGPT", Medium = Mediums.Referral, Domains = ["chatgpt.com", "chat.openai.com"] },
        new() { Name = "Perplexity", Medium = Mediums.Referral, Domains = ["perplexity.ai"] },
    ];

    public ReferrerSource? Find(Uri referrer)
    {
        var host = referrer.Host.ToLowerInvariant();
        var segment = referrer.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (segment is not null && _byHost.TryGetValue($"{host}/{segment}", out var withPath)) return withPath;
        for (var h = host; h.Contains('.'); h = h[(h.IndexOf('.') + 1)..])
            if (_byHost.TryGetValue(h, out var source)) return source;
        return null;
    }

    /// <summary>A site by the name a campaign link gives it in utm_source: its name here (Google, facebook) or a domain of it.</summary>
    public ReferrerSource? FindByName(string name)
    {
        if (_byName.TryGetValue(name, out var named)) return named;
        for (var h = name; h.Contains('.'); h = h[(h.IndexOf('.') + 1)..])
            if (_byHost.TryGetValue(h, out var source)) return source;
        return null;
    }

    private sealed class Provider
    {
        [YamlMember(Alias = "domains")]
        public List<string>? Domains { get; set; }
    }
}

/// <summary>An operator's referrer entry: <c>Enrichment:Referrers:0:Name</c>, <c>Medium</c>, <c>Domains</c>.</summary>
public sealed class ConfiguredReferrer
{
    public string Name { get; set; } = "";
    public string Medium { get; set; } = Mediums.Referral;
    public List<string> Domains { get; set; } = [];
}

public static class Mediums
{
    public const string Direct = "direct", Search = "search", Social = "social", Email = "email", Paid = "paid", Referral = "referral";
    public static readonly string[] All = [Direct, Search, Social, Email, Paid, Referral];
}
