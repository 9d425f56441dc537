using System.Net;
using MaxMind.Db;
using MaxMind.GeoIP2;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>
/// Country from a MaxMind GeoLite2/GeoIP2 (Country or City) database, when the operator configures one; a City database
/// gives the region (the country's first subdivision) and city too. Without one, every place is unknown (null) and
/// nothing fails.
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

    /// <summary>Where the address is, as far as the database knows: parts it does not know are null.</summary>
    public GeoPlace Locate(string ip)
    {
        if (_reader is null || !IPAddress.TryParse(ip, out var address)) return GeoPlace.Unknown;
        if (!_isCity) return new GeoPlace(_reader.TryCountry(address, out var country) ? country?.Country.IsoCode : null, null, null);
        if (!_reader.TryCity(address, out var city) || city is null) return GeoPlace.Unknown;
        // English names, as the dashboard shows them (a database's names do not change with the reader's language).
        return new GeoPlace(city.Country.IsoCode, Clip(city.Subdivisions.FirstOrDefault()?.Names.GetValueOrDefault("en")), Clip(city.City.Names.GetValueOrDefault("en")));
    }

    /// <summary>A name as stored: none for an empty one, and never longer than a place's name is.</summary>
    private static string? Clip(string? name) => string.IsNullOrWhiteSpace(name) ? null : name.Length > 100 ? name[..100] : name;

    public void Dispose() => _reader?.Dispose();
}

/// <param name="Country">ISO 3166 alpha-2.</param>
/// <param name="Region">The country's first subdivision, by its English name.</param>
/// <param name="City">By its English name.</param>
public readonly record struct GeoPlace(string? Country, string? Region, string? City)
{
    public static readonly GeoPlace Unknown = default;
}
