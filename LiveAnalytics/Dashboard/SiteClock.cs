using LiveAnalytics.Sites;

namespace LiveAnalytics.Dashboard;

public static class SiteClock
{
    /// <summary>The site's local date now: "today" on the dashboard is the merchant's day, not the server's.</summary>
    public static DateOnly Today(Site site, TimeProvider time) => LocalDate(site, time.GetUtcNow());

    /// <summary>The site's wall-clock time now.</summary>
    public static DateTime LocalNow(Site site, TimeProvider time) =>
        TimeZoneInfo.ConvertTime(time.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(site.Timezone)).DateTime;

    public static DateOnly LocalDate(Site site, DateTimeOffset at) => LocalDate(site.Timezone, at);

    public static DateOnly LocalDate(string timezone, DateTimeOffset at) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(timezone)).DateTime);

    /// <summary>
    /// For what reads raw events (filtered views, funnels) over days from <paramref name="first"/>: the last day of the site
    /// that its retention of <paramref name="keepDays"/> may have emptied in part (the first kept day is kept from an hour
    /// on), or null when the range starts after it or nothing is deleted.
    /// </summary>
    public static DateOnly? RawEventsIncompleteUntil(Site site, int? keepDays, DateOnly first, DateTimeOffset now)
    {
        if (keepDays is not { } days) return null;
        var firstKept = LocalDate(site, Retention.EventRetention.Cutoff(now, days));
        return first <= firstKept ? firstKept : null;
    }
}
