namespace LiveAnalytics.Live;

/// <summary>
/// An immutable picture of one site's live numbers at <see cref="At"/>. Each number has a window:
/// "now" means visitors seen in the last <see cref="OnlineWindow"/> who have not left.
/// </summary>
/// <param name="Sequence">How many events the site's state has taken in: a change marker, and the "new while paused" count.</param>
/// <param name="LastEventAt">When the newest event happened: how fresh every number is.</param>
public sealed record LiveSnapshot(
    DateTimeOffset At,
    long Sequence,
    DateTimeOffset? LastEventAt,
    int VisitorsOnline,
    IReadOnlyList<RankedCount> Pages,
    IReadOnlyList<RankedCount> Sources,
    IReadOnlyList<RankedCount> Countries,
    IReadOnlyList<RankedCount> Devices,
    IReadOnlyList<FeedItem> Feed,
    IReadOnlyList<MinuteCount> PageviewsPerMinute,
    IReadOnlyList<RecentEvent> RecentEvents)
{
    /// <summary>The acquisition channels of the visits online (Organic Search, Paid Social…), as their sources are counted.</summary>
    public IReadOnlyList<RankedCount> Channels { get; init; } = [];

    /// <summary>Every country of the visitors online, busiest first (<see cref="Countries"/> is its first
    /// <see cref="TopSize"/>): the live map shades them all. A few hundred at most, "Unknown" among them.</summary>
    public IReadOnlyList<RankedCount> EveryCountry { get; init; } = [];

    public static readonly TimeSpan OnlineWindow = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ChartWindow = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Whether an event belongs in the live views at all. One stamped further back than their longest window
    /// (history a server sends) would show in none of them but as a stale line at the top of the feed; an engagement
    /// report is a page view's reading time for the history, not something a visitor did.
    /// </summary>
    public static bool IsLive(Ingestion.TrackedEvent e, DateTimeOffset now) => e.Timestamp >= now - ChartWindow && !e.IsEngagement;

    /// <summary>
    /// A visitor who sent "leave" drops out after this long unless another event comes: moving to
    /// the next page of a store also fires pagehide, and the counter should not flicker on every click.
    /// </summary>
    public static readonly TimeSpan LeaveGrace = TimeSpan.FromSeconds(2);
    public const int FeedSize = 50;
    public const int TopSize = 10;
}

/// <summary>
/// One step of the live feed. Carries the visitor id and the event's properties and revenue, so it stays on the merchant's
/// side (widgets get <see cref="Widgets.WidgetFeedItem"/>).
/// </summary>
/// <param name="Props">The custom properties as the tracker sent them: a JSON object of strings.</param>
public sealed record FeedItem(
    string StreamId, Guid Id, DateTimeOffset Timestamp, string Name, string Pathname, string? Source, string? Medium,
    long VisitorId, string? Country, string? Device, string? Browser, string? Props = null, decimal? Revenue = null, string? Currency = null)
{
    /// <summary>The visit's acquisition channel, as the Channels card counts it.</summary>
    public string? Channel { get; init; }

    private static readonly object NoDetails = new();
    // Made on first use and kept: one parse an item however many open feeds render it, none for the many never shown.
    // One reference, written whole, so two renders at once at worst make it twice.
    private object? _details;

    /// <summary>The properties and revenue as the feed shows them: <c>plan: pro · 49.00 EUR</c>; null when there are none.</summary>
    public string? Details() => (_details ??= Describe() ?? NoDetails) as string;

    private string? Describe()
    {
        var parts = new List<string>();
        if (Props is not null)
            try
            {
                var props = System.Text.Json.JsonSerializer.Deserialize(Props, Ingestion.PropsJson.Default.DictionaryStringString);
                if (props is not null) parts.AddRange(props.Select(p => $"{p.Key}: {p.Value}"));
            }
            catch (System.Text.Json.JsonException) { }   // stored by the tracker's parser as an object of strings; never shown half
        if (Revenue is { } amount)
            parts.Add($"{amount.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} {Currency}".TrimEnd());
        return parts.Count == 0 ? null : string.Join(" · ", parts);
    }
}

public sealed record MinuteCount(DateTimeOffset Minute, int Pageviews);

/// <summary>A custom event's count over the last <see cref="LiveSnapshot.ChartWindow"/>, with the revenue it carried in each currency.</summary>
public sealed record RecentEvent(string Name, int Events, IReadOnlyList<Money> Revenue);

/// <param name="Currency">Null for revenue sent without one (a site without a revenue currency takes that).</param>
public sealed record Money(decimal Amount, string? Currency)
{
    public override string ToString() =>
        $"{Amount.ToString("N2", System.Globalization.CultureInfo.InvariantCulture)} {Currency}".TrimEnd();
}

/// <summary>A value (a page, a source, a country…) and how many visitors online have it now.</summary>
public sealed record RankedCount(string Value, int Visitors);

/// <summary>What one visitor did in the live window, oldest first.</summary>
public sealed record Journey(long VisitorId, bool Online, string? Source, string? Country, string? Device, string? Browser, IReadOnlyList<JourneyStep> Steps)
{
    /// <summary>By its English name, when a MaxMind City database gives it.</summary>
    public string? City { get; init; }
}

/// <summary>One step of a visitor's journey. A value: the live state keeps thousands of visitors' last steps.</summary>
public readonly record struct JourneyStep(Guid Id, DateTimeOffset Timestamp, string Name, string Pathname);
