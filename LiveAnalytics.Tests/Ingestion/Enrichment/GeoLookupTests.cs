using LiveAnalytics.Ingestion.Enrichment;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Tests.Ingestion.Enrichment;

public sealed class GeoLookupTests
{
    // MaxMind's public test database (MIT); it knows only a few documented ranges.
    private static readonly string TestDatabase = Path.Combine(AppContext.BaseDirectory, "TestData", "geoip", "GeoLite2-Country-Test.mmdb");

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
        Assert.Equal(country, geo.Country(ip));
    }

    [Fact]
    public void Without_a_database_every_country_is_unknown()
    {
        using var geo = new GeoLookup(Options.Create(new EnrichmentOptions()));
        Assert.False(geo.Enabled);
        Assert.Null(geo.Country("81.2.69.142"));
    }

    [Fact]
    public void A_configured_database_that_is_missing_fails_at_start_with_its_path() =>
        Assert.Contains("/nowhere/db.mmdb", Assert.Throws<FileNotFoundException>(() =>
            new GeoLookup(Options.Create(new EnrichmentOptions { GeoIpDatabase = "/nowhere/db.mmdb" }))).Message);
}
