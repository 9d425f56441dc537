using LiveAnalytics.Demo;
using LiveAnalytics.Ingestion.Enrichment;

namespace LiveAnalytics.Tests.Demo;

/// <summary>The demo shoppers' places: theirs alone, spread like a European shop's visitors.</summary>
public sealed class DemoPlacesTests
{
    private readonly DemoPlaces _places = new();

    [Theory]
    [InlineData("81.2.69.142")]         // the GeoIP test database's GB address: the database's to say
    [InlineData("10.0.0.7")]
    [InlineData("198.51.10.7")]         // a prefix of TEST-NET-2's, not in it
    [InlineData("203.0.113.256")]
    [InlineData("203.0.113.")]
    [InlineData("203.0.113.7x")]
    [InlineData("::ffff:203.0.113.7")]
    [InlineData("")]
    public void Other_addresses_are_left_to_the_database(string ip) => Assert.Null(_places.Locate(ip));

    [Fact]
    public void Each_demo_address_is_in_one_place_and_together_they_are_in_many()
    {
        var places = DemoPlaces.Networks.SelectMany(n => Enumerable.Range(1, 254).Select(h => n + h))
            .Select(ip => (Ip: ip, Place: _places.Locate(ip))).ToList();
        Assert.All(places, p => Assert.NotNull(p.Place));
        Assert.All(places, p => Assert.Equal(p.Place, _places.Locate(p.Ip)));

        var byCountry = places.GroupBy(p => p.Place!.Value.Country).ToDictionary(g => g.Key ?? "unknown", g => g.Count());
        Assert.True(byCountry.Count >= 12, string.Join(", ", byCountry));
        Assert.Equal("DE", byCountry.MaxBy(c => c.Value).Key);
        Assert.InRange(byCountry["DE"], places.Count / 5, places.Count / 2);
        Assert.InRange(byCountry["unknown"], 1, places.Count / 20);
        Assert.All(places.Where(p => p.Place!.Value.Country is not null), p => Assert.NotNull(p.Place!.Value.City));
        // Neighbours are not all in one city: a /28's sixteen addresses reach several.
        Assert.True(places.Take(16).Select(p => p.Place).Distinct().Count() >= 5);
    }

    [Fact]
    public void The_enricher_asks_them_before_the_database()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new EnrichmentOptions());
        var geo = new GeoLookup(options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<GeoLookup>.Instance);
        var enricher = new Enricher(options, geo, [_places]);
        Assert.Equal(_places.Locate("203.0.113.9"), enricher.Locate("203.0.113.9"));
        Assert.NotNull(enricher.Locate("203.0.113.9").Country);
        Assert.Equal(GeoPlace.Unknown, enricher.Locate("81.2.69.142"));   // no database configured
    }
}
