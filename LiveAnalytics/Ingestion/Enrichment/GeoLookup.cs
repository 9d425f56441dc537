using System.Net;
using MaxMind.Db;
using MaxMind.GeoIP2;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>
/// Country from a MaxMind GeoLite2/GeoIP2 (Country or City) database, when the operator configures
/// one. Without one, every country is unknown (null) and nothing fails.
/// </summary>
public sealed class GeoLookup : IDisposable
{
    private readonly DatabaseReader? _reader;
    private readonly bool _isCity;

    public GeoLookup(IOptions<EnrichmentOptions> options)
    {
        var path = options.Value.GeoIpDatabase;
        if (string.IsNullOrWhiteSpace(path)) return;
        if (!File.Exists(path))
            throw new FileNotFoundException($"Enrichment:GeoIpDatabase names {path}, which does not exist.", path);
        _reader = new DatabaseReader(path, FileAccessMode.MemoryMapped);
        _isCity = _reader.Metadata.DatabaseType.Contains("City", StringComparison.OrdinalIgnoreCase);
    }

    public bool Enabled => _reader is not null;

    /// <summary>The ISO 3166 alpha-2 code, or null when unknown.</summary>
    public string? Country(string ip)
    {
        if (_reader is null || !IPAddress.TryParse(ip, out var address)) return null;
        return _isCity
            ? _reader.TryCity(address, out var city) ? city?.Country.IsoCode : null
            : _reader.TryCountry(address, out var country) ? country?.Country.IsoCode : null;
    }

    public void Dispose() => _reader?.Dispose();
}
