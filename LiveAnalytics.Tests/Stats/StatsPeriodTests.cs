using LiveAnalytics.Stats;

namespace LiveAnalytics.Tests.Stats;

public sealed class StatsPeriodTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 29, 0, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_day_is_the_sites_local_day()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        // 00:30 UTC on 29 March is 01:30 in Berlin; that day is 23 hours long (DST starts at 02:00).
        Assert.True(StatsPeriod.TryResolve("day", null, berlin, Now, out var first, out var last, out _));
        var (from, to) = StatsPeriod.Days(first, last, berlin);
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero), from);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 22, 0, 0, TimeSpan.Zero), to);
    }

    [Fact]
    public void Seven_days_end_with_the_given_date()
    {
        Assert.True(StatsPeriod.TryResolve("7d", "2026-01-10", TimeZoneInfo.Utc, Now, out var first, out var last, out _));
        Assert.Equal((new DateOnly(2026, 1, 4), new DateOnly(2026, 1, 10)), (first, last));
    }

    [Fact]
    public void A_custom_period_is_its_two_days_and_what_came_just_before()
    {
        Assert.True(StatsPeriod.TryResolve("custom", "2026-10-01,2026-10-31", TimeZoneInfo.Utc, Now, out var first, out var last, out _));
        Assert.Equal((new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31)), (first, last));
        Assert.Equal((new DateOnly(2026, 8, 31), new DateOnly(2026, 9, 30)), StatsPeriod.Previous("custom", first, last));   // 31 days before
    }

    [Theory]
    [InlineData("day", "2026-03-29", "2026-03-29", "2026-03-28", "2026-03-28")]
    [InlineData("7d", "2026-03-23", "2026-03-29", "2026-03-16", "2026-03-22")]
    [InlineData("month", "2026-03-01", "2026-03-31", "2026-02-01", "2026-02-28")]
    [InlineData("12mo", "2025-04-01", "2026-03-29", "2024-04-01", "2025-03-29")]
    public void Previous_periods_are_the_calendar_months_or_the_days_before(string period, string first, string last, string previousFirst, string previousLast) =>
        Assert.Equal((DateOnly.Parse(previousFirst), DateOnly.Parse(previousLast)), StatsPeriod.Previous(period, DateOnly.Parse(first), DateOnly.Parse(last)));

    [Theory]
    [InlineData("fortnight", null, "period")]
    [InlineData("day", "10/01/2026", "date")]
    [InlineData("custom", null, "two dates")]
    [InlineData("custom", "2026-10-01", "two dates")]
    [InlineData("custom", "2026-10-01,2026-10-32", "two dates")]
    [InlineData("custom", "2026-10-31,2026-10-01", "must not be before")]
    [InlineData("custom", "2020-01-01,2026-01-01", "at most")]
    public void Rejects_unknown_periods_and_dates(string period, string? date, string mentioned)
    {
        Assert.False(StatsPeriod.TryResolve(period, date, TimeZoneInfo.Utc, Now, out _, out _, out var error));
        Assert.Contains(mentioned, error);
    }

    [Fact]
    public void Metrics_are_whole_numbers_but_views_per_visit()
    {
        var counts = new Counts(Visitors: 9_007_199_254_740_993, Pageviews: 7, Events: 9, Visits: 3, Bounces: 1, Seconds: 100, Revenue: 0);
        // 2^53 + 1: exact as a long, not as a double.
        Assert.Equal(9_007_199_254_740_993L, Assert.IsType<long>(counts.Metric("visitors")));
        Assert.Equal(33L, Assert.IsType<long>(counts.Metric("bounce_rate")));
        Assert.Equal(33L, Assert.IsType<long>(counts.Metric("visit_duration")));
        Assert.Equal(2.33, Assert.IsType<double>(counts.Metric("views_per_visit")));
    }
}
