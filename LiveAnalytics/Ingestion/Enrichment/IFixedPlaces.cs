namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>
/// Places known for some addresses before any GeoIP database is asked (the demo's shoppers, whose addresses are
/// reserved for documentation and located by no database).
/// </summary>
public interface IFixedPlaces
{
    /// <returns>The address's place, or null when it is not one of these addresses.</returns>
    GeoPlace? Locate(string ip);
}
