using System.Globalization;

namespace LiveAnalytics.Stats;

/// <summary>Plausible's <c>period</c> and <c>date</c> parameters as local days of the site's time zone.</summary>
public static class StatsPeriod
{
    public static readonly string[] Supported = ["day", "7d", "30d", "month", "6mo", "12mo", "custom"];

    /// <summary>The longest custom period, as the dashboard's.</summary>
    public const int MaxCustomDays = Dashboard.DashboardView.MaxCustomDays;

    /// <param name="date">The day the period ends on or is in (today by default); for <c>custom</c>, <c>FROM,TO</c>.</param>
    public static bool TryResolve(string? period, string? date, TimeZoneInfo zone, DateTimeOffset now,
        out DateOnly first, out DateOnly last, out string? error)
    {
        first = last = default;
        error = null;
        if (period == "custom") return TryCustom(date, out first, out last, out error);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        if (date is not null && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out today))
        {
            error = "'date' must be a date as YYYY-MM-DD.";
            return false;
        }
        if (Dashboard.DashboardView.OutOfRange(today, today, "'date'") is { } outside)
        {
            error = outside;
            return false;
        }
        (DateOnly first, DateOnly last)? days = (period ?? "30d") switch
        {
            "day" => (today, today),
            "7d" => (today.AddDays(-6), today),
            "30d" => (today.AddDays(-29), today),
            "month" => (new DateOnly(today.Year, today.Month, 1), new DateOnly(today.Year, today.Month, 1).AddMonths(1).AddDays(-1)),
            "6mo" => (new DateOnly(today.Year, today.Month, 1).AddMonths(-5), today),
            "12mo" => (new DateOnly(today.Year, today.Month, 1).AddMonths(-11), today),
            _ => null,
        };
        if (days is not { } d)
        {
            error = $"'period' must be one of: {string.Join(", ", Supported)}.";
            return false;
        }
        (first, last) = d;
        return true;
    }

    private static bool TryCustom(string? date, out DateOnly first, out DateOnly last, out string? error)
    {
        first = last = default;
        error = null;
        var parts = (date ?? "").Split(',');
        if (parts.Length != 2
            || !DateOnly.TryParseExact(parts[0].Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out first)
            || !DateOnly.TryParseExact(parts[1].Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out last))
            error = "A custom period needs 'date' as two dates, YYYY-MM-DD,YYYY-MM-DD: its first and last day.";
        else if (last < first) error = "A custom period's last day must not be before its first.";
        else if (Dashboard.DashboardView.OutOfRange(first, last, "A custom period") is { } outside) error = outside;
        else if (last.DayNumber - first.DayNumber >= MaxCustomDays) error = $"A custom period can span at most {MaxCustomDays} days.";
        return error is null;
    }

    /// <summary>
    /// What <c>compare=previous_period</c> compares with: the calendar month before a month, the months before 6 or 12
    /// months (as far into them as the period is into its own), as many days just before the others.
    /// </summary>
    public static (DateOnly First, DateOnly Last) Previous(string? period, DateOnly first, DateOnly last) => (period ?? "30d") switch
    {
        "month" => (first.AddMonths(-1), first.AddDays(-1)),
        "6mo" => (first.AddMonths(-6), last.AddMonths(-6)),
        "12mo" => (first.AddMonths(-12), last.AddMonths(-12)),
        _ => (first.AddDays(first.DayNumber - last.DayNumber - 1), first.AddDays(-1)),
    };

    /// <summary>Local days, <paramref name="first"/> to <paramref name="last"/> included, as the UTC range [From, To) the raw queries take.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Days(DateOnly first, DateOnly last, TimeZoneInfo zone) =>
        (StartOfDay(first, zone), StartOfDay(last.AddDays(1), zone));

    /// <summary>When a local day begins, in UTC.</summary>
    public static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // A midnight that a DST jump skips starts the day at the first valid moment after it.
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(30);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
