using System.Text.Json;
using System.Text.Json.Serialization;
using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Live.Streaming;

/// <summary>An event as the public stream and hub send it to the site's own programs (API key holders).</summary>
public sealed record PublicEvent(
    string Id, Guid EventId, string Name, DateTimeOffset Timestamp, string Hostname, string Pathname,
    string? Referrer, string? Source, string? Medium, string? Channel, string? UtmSource, string? UtmMedium, string? UtmCampaign,
    string? Browser, string? Os, string? Device, string? Country, string? Region, string? City, JsonElement? Props,
    decimal? RevenueAmount, string? RevenueCurrency, string VisitorId, string SessionId)
{
    public static PublicEvent From(LiveEvent live)
    {
        var e = live.Event;
        return new PublicEvent(live.StreamId, e.Id, e.Name, e.Timestamp, e.Hostname, e.Pathname, e.Referrer, e.Source, e.Medium, e.Channel,
            e.UtmSource, e.UtmMedium, e.UtmCampaign, e.Browser, e.Os, e.Device, e.Country, e.Region, e.City,
            e.Props is null ? null : JsonDocument.Parse(e.Props).RootElement.Clone(),
            e.RevenueAmount, e.RevenueCurrency,
            // As strings: 64-bit ids lose digits in JavaScript numbers.
            e.VisitorId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            e.SessionId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>The site's live numbers at <see cref="At"/>; every figure's window is in its name.</summary>
public sealed record PublicCounters(
    DateTimeOffset At, DateTimeOffset? LastEventAt, int VisitorsOnline, int OnlineWindowSeconds,
    IReadOnlyList<RankedCount> Pages, IReadOnlyList<RankedCount> Sources, IReadOnlyList<RankedCount> Channels, IReadOnlyList<RankedCount> Countries,
    IReadOnlyList<RankedCount> Devices, [property: JsonPropertyName("pageviews_last_30_minutes")] int PageviewsLast30Minutes,
    [property: JsonPropertyName("events_last_30_minutes")] IReadOnlyList<RecentEvent> EventsLast30Minutes)
{
    public static PublicCounters From(LiveSnapshot s) => new(s.At, s.LastEventAt, s.VisitorsOnline,
        (int)LiveSnapshot.OnlineWindow.TotalSeconds, s.Pages, s.Sources, s.Channels, s.Countries, s.Devices,
        s.PageviewsPerMinute.Sum(m => m.Pageviews), s.RecentEvents);

    /// <summary>
    /// What changes the counters a client sees: not the clock alone, but also what leaves the 30-minute windows without
    /// a new event (seen at the stream's next wake, a heartbeat at the latest).
    /// </summary>
    public static (long, int, int, int) KeyOf(LiveSnapshot s) =>
        (s.Sequence, s.VisitorsOnline, s.PageviewsPerMinute.Sum(m => m.Pageviews), s.RecentEvents.Sum(e => e.Events));
}

[JsonSerializable(typeof(PublicEvent))]
[JsonSerializable(typeof(PublicEvent[]))]
[JsonSerializable(typeof(PublicCounters))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
public sealed partial class PublicJson : JsonSerializerContext;
