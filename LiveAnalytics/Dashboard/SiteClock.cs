using LiveAnalytics.Sites;

namespace LiveAnalytics.Dashboard;

public static class SiteClock
{
    /// <summary>The site's local date now: "today" on the dashboard is the merchant's day, not the server's.</summary>
    public static DateOnly Today(Site site, TimeProvider time) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(site.Timezone)).DateTime);
}
