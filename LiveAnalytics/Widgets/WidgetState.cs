using System.Text.Json;
using System.Text.Json.Serialization;
using LiveAnalytics.Live;

namespace LiveAnalytics.Widgets;

/// <summary>A feed line for the public: what happened where, never who (no visitor id, device or browser).</summary>
public sealed record WidgetFeedItem(DateTimeOffset Time, string Name, string Page, string? Source, string? Country);

/// <summary>Everything a widget shows; the iframe page renders it first, the stream then replaces it whole.</summary>
public sealed record WidgetState(
    string Kind, DateTimeOffset At, int WindowMinutes, int? Visitors = null, string? Page = null, int? Viewers = null,
    IReadOnlyList<RankedCount>? Pages = null, IReadOnlyList<WidgetFeedItem>? Items = null, string? Event = null, int? Events = null)
{
    public const int ListSize = 5;
    public const int FeedSize = 10;

    /// <summary>What the widget shows now: for the iframe page and for each update of its stream.</summary>
    /// <param name="subject">The page of page-viewers, the custom event of recent-events.</param>
    public static WidgetState Now(EventHub hub, long siteId, string kind, string? subject) =>
        Of(kind, hub.Snapshot(siteId), subject, (kind, subject) switch
        {
            (WidgetKind.PageViewers, { } page) => hub.ViewersOf(siteId, page),
            (WidgetKind.RecentEvents, { } name) => hub.EventsOf(siteId, name),
            _ => 0,
        });

    /// <param name="count">The page's viewers (page-viewers) or the event's count (recent-events).</param>
    private static WidgetState Of(string kind, LiveSnapshot s, string? subject, int count) => kind switch
    {
        WidgetKind.Visitors => new(kind, s.At, Window, Visitors: s.VisitorsOnline),
        WidgetKind.PageViewers => new(kind, s.At, Window, Page: subject, Viewers: count),
        // Its count only: the live view's revenue stays the merchant's.
        WidgetKind.RecentEvents => new(kind, s.At, (int)LiveSnapshot.ChartWindow.TotalMinutes, Event: subject, Events: count),
        WidgetKind.TopPages => new(kind, s.At, Window, Pages: s.Pages.Take(ListSize).ToArray()),
        _ => new(kind, s.At, Window, Items: s.Feed.Take(FeedSize)
            .Select(f => new WidgetFeedItem(f.Timestamp, f.Name, f.Pathname, f.Source, f.Country)).ToArray()),
    };

    private static int Window => (int)LiveSnapshot.OnlineWindow.TotalMinutes;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, WidgetJson.Default.WidgetState);
}

[JsonSerializable(typeof(WidgetState))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class WidgetJson : JsonSerializerContext;
