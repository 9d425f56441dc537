using System.Text.Json.Serialization;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// One validated, enriched event as it travels through the Redis stream to the live hub and to Postgres.
/// It carries no IP address and no raw User-Agent: only the salted visitor id derived from them.
/// </summary>
public sealed record TrackedEvent
{
    public const string Pageview = "pageview";
    /// <summary>The tracker's pagehide beacon: the visitor closed or left the page. Live only, never stored.</summary>
    public const string Leave = "leave";

    public required Guid Id { get; init; }
    public required long SiteId { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required string Name { get; init; }
    public required string Hostname { get; init; }
    public required string Pathname { get; init; }
    public required long VisitorId { get; init; }
    public required long SessionId { get; init; }
    public string? Referrer { get; init; }
    /// <summary>Where the visit came from: a known name (Google), the referring host, or utm_source.</summary>
    public string? Source { get; init; }
    /// <summary>direct, search, social, email, paid or referral; null for internal navigation.</summary>
    public string? Medium { get; init; }
    /// <summary>The acquisition channel (Organic Search, Paid Social…), or null on a page reached from the store itself.</summary>
    public string? Channel { get; init; }
    public string? UtmSource { get; init; }
    public string? UtmMedium { get; init; }
    public string? UtmCampaign { get; init; }
    public string? UtmContent { get; init; }
    public string? UtmTerm { get; init; }
    public string? Browser { get; init; }
    public string? BrowserVersion { get; init; }
    public string? Os { get; init; }
    public string? OsVersion { get; init; }
    /// <summary>desktop, mobile or tablet.</summary>
    public string? Device { get; init; }
    /// <summary>ISO 3166 alpha-2, or null when unknown.</summary>
    public string? Country { get; init; }
    /// <summary>The country's first subdivision by its English name (England, Bavaria), or null when unknown.</summary>
    public string? Region { get; init; }
    /// <summary>The city's English name, or null when unknown.</summary>
    public string? City { get; init; }
    public string? Props { get; init; }
    public decimal? RevenueAmount { get; init; }
    public string? RevenueCurrency { get; init; }
    /// <summary>An <see cref="Ingestion.Engagement.EventName"/> report: stored in <c>engagements</c>, never as an event.</summary>
    public Engagement? Engagement { get; init; }

    [JsonIgnore]
    public bool IsPageview => Name == Pageview;

    [JsonIgnore]
    public bool IsLeave => Name == Leave;

    [JsonIgnore]
    public bool IsEngagement => Engagement is not null;
}

[JsonSerializable(typeof(TrackedEvent))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class TrackedEventJson : JsonSerializerContext;
