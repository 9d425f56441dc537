namespace LiveAnalytics.Ingestion;

/// <summary>A beacon after validation, before it is tied to a site and a visitor.</summary>
/// <param name="Id">The client's name for the event (a UUID), if it gave one: a resend of it is stored once.</param>
/// <param name="Engagement">What an <c>engagement</c> beacon reports; null for every other event.</param>
public sealed record EventPayload(
    string Name,
    Uri Url,
    IReadOnlyList<string> Domains,
    Uri? Referrer,
    string? Props,
    decimal? RevenueAmount,
    string? RevenueCurrency,
    Guid? Id = null,
    bool HashRouting = false,
    Engagement? Engagement = null);
