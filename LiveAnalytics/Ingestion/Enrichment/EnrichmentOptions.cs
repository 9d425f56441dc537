using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Ingestion.Enrichment;

public sealed class EnrichmentOptions
{
    public const string Section = "Enrichment";

    /// <summary>Path of a GeoLite2/GeoIP2 Country or City .mmdb; empty: countries are unknown.</summary>
    public string? GeoIpDatabase { get; set; }

    /// <summary>Referrers added to (or overriding) the built-in list.</summary>
    public List<ConfiguredReferrer> Referrers { get; set; } = [];

    /// <summary>Inactivity after which a visitor's next event starts a new session.</summary>
    [Range(1, 24 * 60)]
    public int SessionTimeoutMinutes { get; set; } = 30;
}
