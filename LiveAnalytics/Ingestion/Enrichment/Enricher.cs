using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>
/// The per-request enrichment: bot verdict and client info (cached per User-Agent), attribution and
/// place (country, region, city). The data files load once, on first use, off the request path when the app starts.
/// </summary>
public sealed class Enricher(IOptions<EnrichmentOptions> options, GeoLookup geo, IEnumerable<IFixedPlaces> fixedPlaces)
{
    private const int MaxCachedAgents = 20_000;

    private readonly Lazy<UserAgentParser> _agents = new(() => new UserAgentParser(EnrichmentData.PathOf("uap-regexes.yaml")));
    private readonly Lazy<BotFilter> _bots = new(() => new BotFilter(EnrichmentData.PathOf("crawler-user-agents.json")));
    private readonly Lazy<ReferrerSources> _referrers = new(() =>
        new ReferrerSources(EnrichmentData.PathOf("referers.yml"), options.Value.Referrers));
    private readonly ConcurrentDictionary<string, ClientInfo?> _clients = new();
    // None unless the demo runs: then every beacon asks it first (a prefix comparison) before the database.
    private readonly IFixedPlaces? _fixedPlaces = fixedPlaces.SingleOrDefault();

    /// <summary>Loads every data file now, so the first beacon does not pay for it.</summary>
    public void Warm() => _ = (_agents.Value, _bots.Value, _referrers.Value);

    /// <summary>The client, or null for a bot.</summary>
    public ClientInfo? Client(string userAgent)
    {
        if (_clients.TryGetValue(userAgent, out var cached)) return cached;
        var client = _bots.Value.IsBot(userAgent) ? null : _agents.Value.Parse(userAgent);
        if (client?.Device == "bot") client = null;
        // A crude bound: forged agents cannot grow the cache without limit; real ones refill it quickly.
        if (_clients.Count >= MaxCachedAgents) _clients.Clear();
        _clients[userAgent] = client;
        return client;
    }

    public Attribution Attribute(Uri page, Uri? referrer) => Attribution.Of(page, referrer, _referrers.Value);

    /// <summary>The known referrers, for what works out attribution after the request (<see cref="Channels.OfStored"/>).</summary>
    public ReferrerSources Referrers => _referrers.Value;

    public GeoPlace Locate(string ip) => _fixedPlaces?.Locate(ip) ?? geo.Locate(ip);
}
