using LiveAnalytics.Ingestion.Enrichment;

namespace LiveAnalytics.Demo;

/// <summary>
/// Where the demo's shoppers are. Their addresses are reserved for documentation (TEST-NET-2 and -3, RFC 5737): no
/// real visitor has one and no GeoIP database locates one, so without these places the demo's countries, regions and
/// cities would all be unknown, with a database configured or not. Mostly Europe, as a shop selling in euros sees;
/// each address is in one place (a shopper stays where they are), and a few are unknown, as a database leaves some.
/// Registered only while the demo's traffic runs.
/// </summary>
public sealed class DemoPlaces : IFixedPlaces
{
    private static readonly (GeoPlace Place, int Weight)[] Weighted =
    [
        (new("DE", "Berlin", "Berlin"), 28), (new("DE", "Bavaria", "Munich"), 20), (new("DE", "Hamburg", "Hamburg"), 14),
        (new("DE", "North Rhine-Westphalia", "Cologne"), 14), (new("FR", "Île-de-France", "Paris"), 20),
        (new("FR", "Auvergne-Rhône-Alpes", "Lyon"), 8), (new("NL", "North Holland", "Amsterdam"), 16),
        (new("GB", "England", "London"), 18), (new("GB", "Scotland", "Edinburgh"), 5), (new("AT", "Vienna", "Vienna"), 10),
        (new("CH", "Zurich", "Zurich"), 8), (new("ES", "Madrid", "Madrid"), 10), (new("IT", "Lombardy", "Milan"), 10),
        (new("SE", "Stockholm County", "Stockholm"), 6), (new("DK", "Capital Region", "Copenhagen"), 6),
        (new("PL", "Mazovia", "Warsaw"), 6), (new("US", "New York", "New York"), 14), (new("US", "California", "San Francisco"), 10),
        (new("CA", "Ontario", "Toronto"), 5), (GeoPlace.Unknown, 6),
    ];

    private static readonly GeoPlace[] Slots = [.. Weighted.SelectMany(w => Enumerable.Repeat(w.Place, w.Weight))];

    /// <summary>The two networks <see cref="DemoTraffic.Shopper"/> takes addresses from.</summary>
    internal static readonly string[] Networks = ["198.51.100.", "203.0.113."];

    public GeoPlace? Locate(string ip)
    {
        for (var n = 0; n < Networks.Length; n++)
            if (ip.StartsWith(Networks[n], StringComparison.Ordinal) && byte.TryParse(ip.AsSpan(Networks[n].Length), out var host))
                // Scattered, so that neighbouring addresses are not all in the same city.
                return Slots[(n * 256 + host) * 7919 % Slots.Length];
        return null;
    }
}
