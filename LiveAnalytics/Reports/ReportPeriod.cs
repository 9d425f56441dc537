namespace LiveAnalytics.Reports;

/// <summary>What a report by mail covers: a week from Monday, or a calendar month, in the site's zone; each against the one before.</summary>
/// <param name="Column">The member's subscription in <c>site_members</c>; its <c>_sent</c> column holds the first day of the last one sent.</param>
public sealed record ReportPeriod(string Key, string Noun, string Column)
{
    public static readonly ReportPeriod Week = new("weekly", "week", "weekly_report");
    public static readonly ReportPeriod Month = new("monthly", "month", "monthly_report");

    /// <summary>The first day of the last whole period before <paramref name="today"/>.</summary>
    public DateOnly LastWhole(DateOnly today) => this == Week
        ? today.AddDays(-(((int)today.DayOfWeek + 6) % 7) - 7)
        : new DateOnly(today.Year, today.Month, 1).AddMonths(-1);

    public DateOnly Next(DateOnly first) => this == Week ? first.AddDays(7) : first.AddMonths(1);

    public DateOnly Before(DateOnly first) => this == Week ? first.AddDays(-7) : first.AddMonths(-1);

    /// <summary>As a subject names it: "the week of 16 Nov", "November 2026".</summary>
    public string Name(DateOnly first) => this == Week
        ? $"the week of {first.ToString("d MMM", System.Globalization.CultureInfo.InvariantCulture)}"
        : first.ToString("MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture);
}
