using System.Text.Json.Serialization;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// One validated, enriched event as it travels through the Redis stream to the live hub and to Postgres.
/// It carries no IP address and no raw User-Agent: only the salted visitor id derived from them.
/// </summary>
public sealed record TrackedEvent(
    Guid Id,
    long SiteId,
    DateTimeOffset Timestamp,
    string Name,
    string Hostname,
    string Pathname,
    string? Referrer,
    string? ReferrerSource,
    long VisitorId,
    string? Props,
    decimal? RevenueAmount,
    string? RevenueCurrency)
{
    public const string Pageview = "pageview";

    public bool IsPageview => Name == Pageview;
}

[JsonSerializable(typeof(TrackedEvent))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class TrackedEventJson : JsonSerializerContext;
