using System.Globalization;
using System.Text.Json;

namespace LiveAnalytics.Stats;

/// <summary>
/// A v2 query's <c>include.comparisons</c>, as Plausible's: the period every row is compared with. <c>previous_period</c>
/// is v1's <c>compare</c> (the calendar month before a month, the year before a year, as many days just before the
/// others), <c>year_over_year</c> the same dates a year before, <c>custom</c> two days of its own <c>date_range</c>.
/// <c>match_day_of_week</c> moves the first two so that the compared period starts on the same weekday (a Monday's
/// takings against a Monday's).
/// </summary>
public sealed record StatsComparison(string Mode, DateOnly? First = null, DateOnly? Last = null, bool MatchDayOfWeek = false)
{
    public const string PreviousPeriod = "previous_period", YearOverYear = "year_over_year", Custom = "custom";

    private static readonly string[] Modes = [PreviousPeriod, YearOverYear, Custom];

    private const string Expected =
        "'include.comparisons' takes {\"mode\": \"previous_period\"} or \"year_over_year\" (with \"match_day_of_week\": true or false), " +
        "or {\"mode\": \"custom\", \"date_range\": [\"YYYY-MM-DD\", \"YYYY-MM-DD\"]}.";

    /// <returns>The comparison, or an error that says what is wrong (for a 400).</returns>
    public static (StatsComparison? Comparison, string? Error) Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object || element.EnumerateObject().Any(m => m.Name is not ("mode" or "date_range" or "match_day_of_week")))
            return (null, Expected);
        if (!element.TryGetProperty("mode", out var mode) || mode.ValueKind != JsonValueKind.String || !Modes.Contains(mode.GetString()))
            return (null, Expected);
        var matchDayOfWeek = false;
        if (element.TryGetProperty("match_day_of_week", out var match))
        {
            if (match.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) return (null, "'include.comparisons.match_day_of_week' must be true or false.");
            matchDayOfWeek = match.GetBoolean();
        }
        var custom = mode.GetString() == Custom;
        if (!custom)
            return element.TryGetProperty("date_range", out _)
                ? (null, $"'include.comparisons.date_range' is for the mode \"{Custom}\" only.")
                : (new StatsComparison(mode.GetString()!, MatchDayOfWeek: matchDayOfWeek), null);
        var days = StatsQuery.Strings(element, "date_range");
        if (days is not { Length: 2 }
            || !DateOnly.TryParseExact(days[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first)
            || !DateOnly.TryParseExact(days[1], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var last))
            return (null, "A custom comparison needs its 'date_range': two days, [\"YYYY-MM-DD\", \"YYYY-MM-DD\"].");
        if (last < first) return (null, "'include.comparisons.date_range' must not end before it starts.");
        if (Dashboard.DashboardView.OutOfRange(first, last, "'include.comparisons.date_range'") is { } outside) return (null, outside);
        if (last.DayNumber - first.DayNumber >= StatsPeriod.MaxCustomDays)
            return (null, $"'include.comparisons.date_range' can span at most {StatsPeriod.MaxCustomDays} days.");
        return (new StatsComparison(Custom, first, last), null);
    }

    /// <summary>The compared days of the query's <paramref name="first"/> to <paramref name="last"/>.</summary>
    /// <param name="range">The query's named range (<c>month</c>, <c>30d</c>…), null for two days.</param>
    public (DateOnly First, DateOnly Last) Days(string? range, DateOnly first, DateOnly last)
    {
        if (Mode == Custom) return (First!.Value, Last!.Value);
        if (Mode == YearOverYear) return MatchDayOfWeek ? SameWeekdayYearBefore(first, last) : (first.AddYears(-1), last.AddYears(-1));
        if (MatchDayOfWeek) return WeeksBefore(first, last);
        return range == "year" ? (first.AddYears(-1), last.AddYears(-1)) : StatsPeriod.Previous(range ?? "custom", first, last);
    }

    /// <summary>The compared instants of some hours (the last 24, times of day): as long just before, a year before, or
    /// whole weeks before with <see cref="MatchDayOfWeek"/> (a year before, 52 weeks: the nearest same weekday). A custom
    /// comparison is of days.</summary>
    public (DateTimeOffset From, DateTimeOffset To) Instants((DateTimeOffset From, DateTimeOffset To) period)
    {
        var length = period.To - period.From;
        var back = Mode == YearOverYear ? (MatchDayOfWeek ? TimeSpan.FromDays(364) : period.From - period.From.AddYears(-1))
            : MatchDayOfWeek ? TimeSpan.FromDays(Math.Ceiling(length.TotalDays / 7) * 7) : length;
        return (period.From - back, period.To - back);
    }

    /// <summary>The period whole weeks back, at least as many days as it has: 28 days compare with the 28 before, 30 with
    /// the 30 from 35 days before, a day with the same weekday a week before.</summary>
    public static (DateOnly First, DateOnly Last) WeeksBefore(DateOnly first, DateOnly last)
    {
        var shift = (last.DayNumber - first.DayNumber + 7) / 7 * 7;
        return (first.AddDays(-shift), last.AddDays(-shift));
    }

    /// <summary>A period as long, a year before, from the day of <paramref name="first"/>'s weekday nearest its date then
    /// (Friday 27 November 2026 against Friday 28 November 2025).</summary>
    public static (DateOnly First, DateOnly Last) SameWeekdayYearBefore(DateOnly first, DateOnly last)
    {
        var start = first.AddYears(-1);
        var days = ((int)first.DayOfWeek - (int)start.DayOfWeek + 7) % 7;
        var from = start.AddDays(days > 3 ? days - 7 : days);
        return (from, from.AddDays(last.DayNumber - first.DayNumber));
    }

    /// <summary>
    /// As Plausible's <c>change</c>: rates (bounce, conversion) in points, a conversion rate to one decimal; the rest in
    /// percent of the compared value (100 from nothing, 0 from nothing to nothing); none when either has no value.
    /// </summary>
    public static object? Change(string metric, object? before, object? now)
    {
        if (before is null || now is null) return null;
        if (metric is StatsRequest.ConversionRate or StatsQuery.GroupConversionRate)
            return Math.Round(Convert.ToDouble(now, CultureInfo.InvariantCulture) - Convert.ToDouble(before, CultureInfo.InvariantCulture), 1);
        return StatsEndpoints.Change(metric, before, now);
    }
}
