namespace LiveAnalytics.Live;

/// <summary>An immutable picture of one site's live numbers at <see cref="At"/>.</summary>
public sealed record LiveSnapshot(
    DateTimeOffset At,
    int VisitorsOnline,
    IReadOnlyList<FeedItem> Feed,
    IReadOnlyList<MinuteCount> PageviewsPerMinute)
{
    public static readonly TimeSpan OnlineWindow = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ChartWindow = TimeSpan.FromMinutes(30);
    public const int FeedSize = 50;
}

public sealed record FeedItem(Guid Id, DateTimeOffset Timestamp, string Name, string Pathname, string? Source, string? Medium);

public sealed record MinuteCount(DateTimeOffset Minute, int Pageviews);
