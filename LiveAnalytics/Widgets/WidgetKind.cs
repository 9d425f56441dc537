namespace LiveAnalytics.Widgets;

/// <summary>The embeddable widgets; a token names which of them it may show.</summary>
public static class WidgetKind
{
    public const string Visitors = "visitors";
    public const string PageViewers = "page-viewers";
    public const string Feed = "feed";
    public const string TopPages = "top-pages";
    /// <summary>How many of one custom event the last 30 minutes saw: "14 orders in the last 30 minutes". Never revenue.</summary>
    public const string RecentEvents = "recent-events";

    public static readonly IReadOnlyList<string> All = [Visitors, PageViewers, Feed, TopPages, RecentEvents];

    public static string Describe(string kind) => kind switch
    {
        Visitors => "Visitors online counter",
        PageViewers => "\"N viewing this page now\"",
        Feed => "Live feed (no visitor data)",
        TopPages => "Top pages now",
        RecentEvents => "A custom event's count, e.g. \"14 orders in the last 30 minutes\"",
        _ => kind,
    };
}

public static class WidgetTheme
{
    public static readonly IReadOnlyList<string> All = ["light", "dark", "transparent"];
}
