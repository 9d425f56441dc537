using System.Net;
using MaxMind.Db;
using MaxMind.GeoIP2;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>
/// Country from a MaxMind GeoLite2/GeoIP2 (Country or City) database, when the operator configures one; a City database
/// gives the region (the country's first subdivision) and city too. Without one, every place is unknown (null) and
/// nothing fails. A newer file in its place (a geoipupdate run) is read within minutes, without a restart.
/// </summary>
public sealed partial class GeoLookup : IDisposable
{
    /// <summary>How often the file is checked for a newer one (MaxMind publishes them twice a week).</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(5);

    private readonly string? _path;
    private readonly ILogger<GeoLookup> _logger;
    private readonly ITimer? _timer;
    private volatile Database? _current;
    // The one before the current: a lookup begun on it may still be reading it, so it is closed one change later.
    private Database? _retired;
    private DateTime _writtenAt;

    private sealed record Database(DatabaseReader Reader, bool IsCity);

    public GeoLookup(IOptions<EnrichmentOptions> options, TimeProvider time, ILogger<GeoLookup> logger)
    {
        _logger = logger;
        var path = options.Value.GeoIpDatabase;
        if (string.IsNullOrWhiteSpace(path)) return;
        if (!File.Exists(path))
            throw new FileNotFoundException($"Enrichment:GeoIpDatabase names {path}, which does not exist.", path);
        (_path, _writtenAt, _current) = (path, File.GetLastWriteTimeUtc(path), Open(path));
        _timer = time.CreateTimer(_ => Refresh(), null, CheckEvery, CheckEvery);
    }

    public bool Enabled => _current is not null;

    /// <summary>Where the address is, as far as the database knows: parts it does not know are null.</summary>
    public GeoPlace Locate(string ip)
    {
        if (_current is not { } db || !IPAddress.TryParse(ip, out var address)) return GeoPlace.Unknown;
        if (!db.IsCity) return new GeoPlace(db.Reader.TryCountry(address, out var country) ? country?.Country.IsoCode : null, null, null);
        if (!db.Reader.TryCity(address, out var city) || city is null) return GeoPlace.Unknown;
        // English names, as the dashboard shows them (a database's names do not change with the reader's language).
        return new GeoPlace(city.Country.IsoCode, Clip(city.Subdivisions.FirstOrDefault()?.Names.GetValueOrDefault("en")), Clip(city.City.Names.GetValueOrDefault("en")));
    }

    /// <summary>Reads the file again if it changed since it was read.</summary>
    internal void Refresh()
    {
        try
        {
            var written = File.GetLastWriteTimeUtc(_path!);
            if (written == _writtenAt) return;
            var fresh = Open(_path!);
            _retired?.Reader.Dispose();
            (_retired, _current, _writtenAt) = (_current, fresh, written);
            LogReread(_logger, _path!, fresh.Reader.Metadata.DatabaseType, fresh.Reader.Metadata.BuildDate);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or MaxMind.Db.InvalidDatabaseException)
        {
            // Gone or half written for a moment: the one read before stays, and the next check tries again.
            LogRereadFailed(_logger, e, _path!);
        }
    }

    private static Database Open(string path)
    {
        var reader = new DatabaseReader(path, FileAccessMode.MemoryMapped);
        return new Database(reader, reader.Metadata.DatabaseType.Contains("City", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A name as stored: none for an empty one, and never longer than a place's name is.</summary>
    private static string? Clip(string? name) => string.IsNullOrWhiteSpace(name) ? null : name.Length > 100 ? name[..100] : name;

    [LoggerMessage(Level = LogLevel.Information, Message = "Read the GeoIP database {Path} again: {Type} of {Built:yyyy-MM-dd}")]
    private static partial void LogReread(ILogger logger, string path, string type, DateTime built);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The GeoIP database {Path} changed but could not be read; the one read before stays")]
    private static partial void LogRereadFailed(ILogger logger, Exception e, string path);

    public void Dispose()
    {
        _timer?.Dispose();
        _current?.Reader.Dispose();
        _retired?.Reader.Dispose();
    }
}

/// <param name="Country">ISO 3166 alpha-2.</param>
/// <param name="Region">The country's first subdivision, by its English name.</param>
/// <param name="City">By its English name.</param>
public readonly record struct GeoPlace(string? Country, string? Region, string? City)
{
    public static readonly GeoPlace Unknown = default;
}
