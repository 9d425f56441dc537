using System.Globalization;

namespace LiveAnalytics.Stats;

/// <summary>Plausible's <c>period</c> and <c>date</c> parameters as a [from, to) range in the site's time zone.</summary>
public static class StatsPeriod
{
    public static readonly string[] Supported = ["day", "7d", "30d", "month", "6mo", "12mo"];

    public static bool TryResolve(string? period, string? date, TimeZoneInfo zone, DateTimeOffset now,
        out DateTimeOffset from, out DateTimeOffset to, out string? error)
    {
        from = to = default;
        error = null;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        if (date is not null && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out today))
        {
            error = "'date' must be a date as YYYY-MM-DD.";
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
        (from, to) = Days(d.first, d.last, zone);
        return true;
    }

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
