using LiveAnalytics.Sites;

namespace LiveAnalytics.Dashboard;

public static class SiteClock
{
    /// <summary>The site's local date now: "today" on the dashboard is the merchant's day, not the server's.</summary>
    public static DateOnly Today(Site site, TimeProvider time) => LocalDate(site, time.GetUtcNow());

    public static DateOnly LocalDate(Site site, DateTimeOffset at) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(site.Timezone)).DateTime);
}
