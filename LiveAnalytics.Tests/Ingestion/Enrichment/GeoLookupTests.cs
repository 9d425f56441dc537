using LiveAnalytics.Ingestion.Enrichment;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LiveAnalytics.Tests.Ingestion.Enrichment;

public sealed class GeoLookupTests
{
    // MaxMind's public test database (MIT); it knows only a few documented ranges.
    private static readonly string TestDatabase = Path.Combine(AppContext.BaseDirectory, "TestData", "geoip", "GeoLite2-Country-Test.mmdb");
    private static readonly string CityDatabase = Path.Combine(AppContext.BaseDirectory, "TestData", "geoip", "GeoLite2-City-Test.mmdb");

    private static GeoLookup Geo(string? path, TimeProvider? time = null) =>
        new(Options.Create(new EnrichmentOptions { GeoIpDatabase = path }), time ?? TimeProvider.System, NullLogger<GeoLookup>.Instance);

    [Fact]
    public void A_newer_database_in_its_place_is_read_within_minutes_and_a_broken_one_is_not()
    {
        var dir = Directory.CreateTempSubdirectory("geoip-");
        try
        {
            var path = Path.Combine(dir.FullName, "GeoLite2.mmdb");
            File.Copy(TestDatabase, path);
            var time = new FakeTimeProvider();
            using var geo = Geo(path, time);
            Assert.Equal(new GeoPlace("GB", null, null), geo.Locate("81.2.69.142"));

            // As geoipupdate does: the City database written beside it, then renamed over it. Read at the next check, not before.
            Replace(path, File.ReadAllBytes(CityDatabase), DateTime.UtcNow.AddMinutes(1));
            time.Advance(GeoLookup.CheckEvery - TimeSpan.FromSeconds(1));
            Assert.Equal(new GeoPlace("GB", null, null), geo.Locate("81.2.69.142"));
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(new GeoPlace("GB", "England", "London"), geo.Locate("81.2.69.142"));

            // Not a database (a copy cut short): the one read before stays.
            Replace(path, [1, 2, 3], DateTime.UtcNow.AddMinutes(2));
            time.Advance(GeoLookup.CheckEvery);
            Assert.Equal(new GeoPlace("GB", "England", "London"), geo.Locate("81.2.69.142"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static void Replace(string path, byte[] content, DateTime writtenAt)
    {
        var next = path + ".new";
        File.WriteAllBytes(next, content);
        File.SetLastWriteTimeUtc(next, writtenAt);
        File.Move(next, path, overwrite: true);
    }

    [Theory]
    [InlineData("81.2.69.142", "GB")]
    [InlineData("89.160.20.112", "SE")]
    [InlineData("216.160.83.56", "US")]
    [InlineData("::ffff:81.2.69.142", "GB")]
    [InlineData("10.0.0.1", null)]
    [InlineData("not an ip", null)]
    public void Finds_the_country_in_a_configured_database(string ip, string? country)
    {
        using var geo = Geo(TestDatabase);
        Assert.Equal(new GeoPlace(country, null, null), geo.Locate(ip));   // a Country database knows no region or city
    }

    [Theory]
    [InlineData("81.2.69.142", "GB", "England", "London")]
    [InlineData("89.160.20.112", "SE", "Östergötland County", "Linköping")]
    [InlineData("216.160.83.56", "US", "Washington", "Milton")]
    [InlineData("10.0.0.1", null, null, null)]
    public void A_city_database_gives_the_region_and_city_by_their_english_names(string ip, string? country, string? region, string? city)
    {
        using var geo = Geo(CityDatabase);
        Assert.Equal(new GeoPlace(country, region, city), geo.Locate(ip));
    }

    [Fact]
    public void Without_a_database_every_country_is_unknown()
    {
        using var geo = Geo(null);
        Assert.False(geo.Enabled);
        Assert.Equal(GeoPlace.Unknown, geo.Locate("81.2.69.142"));
    }

    [Fact]
    public void A_configured_database_that_is_missing_fails_at_start_with_its_path() =>
        Assert.Contains("/nowhere/db.mmdb", Assert.Throws<FileNotFoundException>(() =>
            Geo("/nowhere/db.mmdb")).Message);
}
