namespace LiveAnalytics.Ingestion;

/// <summary>A beacon after validation, before it is tied to a site and a visitor.</summary>
public sealed record EventPayload(
    string Name,
    Uri Url,
    IReadOnlyList<string> Domains,
    Uri? Referrer,
    string? Props,
    decimal? RevenueAmount,
    string? RevenueCurrency);
