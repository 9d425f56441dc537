namespace LiveAnalytics.Ingestion;

/// <summary>
/// What an <c>engagement</c> beacon reports of a page view: the time it was looked at since its last report, and how much
/// deeper it was read. The tracker reports when the page is hidden or left (a tab switched away and back reports again),
/// so a page view's reports add up to its whole engaged time and its deepest scroll.
/// </summary>
/// <param name="EngagedMs">Milliseconds the page was visible since the page view's last report.</param>
/// <param name="ScrollGain">Percent of the page: the deepest scroll now, less the deepest at the last report.</param>
/// <param name="First">The page view's first report: counts the engaged page view.</param>
public sealed record Engagement(int EngagedMs, int ScrollGain, bool First)
{
    public const string EventName = "engagement";

    /// <summary>A report longer than this is not a page being looked at (a tab left open overnight): the tracker stops there.</summary>
    public const int MaxEngagedMs = 30 * 60 * 1000;
}
