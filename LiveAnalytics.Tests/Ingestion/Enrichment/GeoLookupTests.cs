using LiveAnalytics.Ingestion.Enrichment;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Tests.Ingestion.Enrichment;

public sealed class GeoLookupTests
{
    // MaxMind's public test database (MIT); it knows only a few documented ranges.
    private static readonly string TestDatabase = Path.Combine(AppContext.BaseDirectory, "TestData", "geoip", "GeoLite2-Country-Test.mmdb");
    private static readonly string CityDatabase = Path.Combine(AppContext.BaseDirectory, "TestData", "geoip", "GeoLite2-City-Test.mmdb");

    [Theory]
    [InlineData("81.2.69.142", "GB")]
    [InlineData("89.160.20.112", "SE")]
    [InlineData("216.160.83.56", "US")]
    [InlineData("::ffff:81.2.69.142", "GB")]
    [InlineData("10.0.0.1", null)]
    [InlineData("not an ip", null)]
    public void Finds_the_country_in_a_configured_database(string ip, string? country)
    {
        using var geo = new GeoLookup(Options.Create(new EnrichmentOptions { GeoIpDatabase = TestDatabase }));
        Assert.Equal(new GeoPlace(country, null, null), geo.Locate(ip));   // a Country database knows no region or city
    }

    [Theory]
    [InlineData("81.2.69.142", "GB", "England", "London")]
    [InlineData("89.160.20.112", "SE", "Östergötland County", "Linköping")]
    [InlineData("216.160.83.56", "US", "Washington", "Milton")]
    [InlineData("10.0.0.1", null, null, null)]
    public void A_city_database_gives_the_region_and_city_by_their_english_names(string ip, string? country, string? region, string? city)
    {
        using var geo = new GeoLookup(Options.Create(new EnrichmentOptions { GeoIpDatabase = CityDatabase }));
        Assert.Equal(new GeoPlace(country, region, city), geo.Locate(ip));
    }

    [Fact]
    public void Without_a_database_every_country_is_unknown()
    {
        using var geo = new GeoLookup(Options.Create(new EnrichmentOptions()));
        Assert.False(geo.Enabled);
        Assert.Equal(GeoPlace.Unknown, geo.Locate("81.2.69.142"));
    }

    [Fact]
    public void A_configured_database_that_is_missing_fails_at_start_with_its_path() =>
        Assert.Contains("/nowhere/db.mmdb", Assert.Throws<FileNotFoundException>(() =>
            new GeoLookup(Options.Create(new EnrichmentOptions { GeoIpDatabase = "/nowhere/db.mmdb" }))).Message);
}
