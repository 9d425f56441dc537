using LiveAnalytics.Dashboard;

namespace LiveAnalytics.Tests.Dashboard;

public sealed class DashboardViewTests
{
    private static readonly DateOnly Today = new(2026, 11, 28);

    [Fact]
    public void The_url_carries_the_whole_view_and_reads_back_the_same()
    {
        var (view, error) = DashboardView.Parse("custom", "2026-10-01", "2026-10-31", "previous", ["source:Google", "country:DE", "page:/a:b"], "bounce_rate", "week", "12");
        Assert.Null(error);
        Assert.Equal([new("source", "Google"), new("country", "DE"), new("page", "/a:b")], view.Filters);   // only the first colon separates
        Assert.Equal("week", view.Interval);

        var q = view.ToQuery();
        var (again, _) = DashboardView.Parse((string?)q["period"], (string?)q["from"], (string?)q["to"], (string?)q["compare"], (string[]?)q["f"], (string?)q["metric"],
            (string?)q["interval"], (string?)q["segment"]);
        Assert.Equal(view, again);
        Assert.Equal(12, again.SegmentId);
        Assert.NotEqual(view, again with { Interval = null });
        Assert.NotEqual(view, again with { SegmentId = null });
        // A segment is only the basis of some filters: without them, the address leaves it out.
        Assert.Null((view with { Filters = [] }).ToQuery()["segment"]);
        Assert.Null(DashboardView.Parse(null, null, null, null, null, null, null, "12").View.SegmentId);
        Assert.Contains("'segment' must be a saved segment's id", DashboardView.Parse(null, null, null, null, ["source:Google"], null, null, "x").Error);
    }

    [Fact]
    public void Revenue_is_a_metric_to_chart()
    {
        var (view, error) = DashboardView.Parse("30d", null, null, null, null, "revenue");
        Assert.Null(error);
        Assert.Equal("revenue", view.Metric);
        Assert.Equal("revenue", view.ToQuery()["metric"]);
    }

    [Fact]
    public void A_custom_events_filter_charts_its_conversions()
    {
        var plain = DashboardView.Parse("30d", null, null, null, ["source:Google"], "pageviews").View;
        Assert.False(plain.ShowsConversions);
        Assert.Equal(("pageviews", "Pageviews"), (plain.ChartMetric, plain.ChartLabel(plain.ChartMetric)));

        // Pageviews are not what a custom event's filter counts: the chart falls back to its unique conversions.
        var signups = DashboardView.Parse("30d", null, null, null, ["event:Signup", "source:Google"], "pageviews").View;
        Assert.True(signups.ShowsConversions);
        Assert.Equal(("visitors", "Unique conversions"), (signups.ChartMetric, signups.ChartLabel(signups.ChartMetric)));
        var total = signups with { Metric = "events" };
        Assert.Equal(("events", "Total conversions"), (total.ChartMetric, total.ChartLabel(total.ChartMetric)));
        Assert.Equal("revenue", (signups with { Metric = "revenue" }).ChartMetric);

        // So does a goal's (a click on the goals card), a page goal's too.
        var (thanks, error) = DashboardView.Parse("30d", null, null, null, ["goal:Visit /thank-you*"], null);
        Assert.Null(error);
        Assert.True(thanks.ShowsConversions);
        Assert.Equal([("visitors", "Unique conversions"), ("pageviews", "Total conversions")], thanks.ConversionMetrics);   // a page goal's are its pageviews
        Assert.Equal(("pageviews", "Total conversions"), ((thanks with { Metric = "pageviews" }).ChartMetric, thanks.ChartLabel("pageviews")));
        Assert.Equal("visitors", (thanks with { Metric = "events" }).ChartMetric);
        Assert.Equal(["goal:Visit /thank-you*"], (string[])thanks.ToQuery()["f"]!);
    }

    [Fact]
    public void Defaults_stay_out_of_the_url()
    {
        Assert.All(DashboardView.Default.ToQuery().Values, Assert.Null);
        Assert.Equal(DashboardView.Default, DashboardView.Parse(null, null, null, null, null, null).View);
    }

    [Theory]
    [InlineData("week", null, null, null, null, "'period'")]
    [InlineData("custom", "2026-10-01", null, null, null, "custom range")]
    [InlineData("custom", "2026-10-31", "2026-10-01", null, null, "before")]
    [InlineData("custom", "2020-01-01", "2026-01-01", null, null, "at most")]
    [InlineData("7d", null, null, "yes", null, "'compare'")]
    [InlineData("7d", null, null, "last-year", null, "'year'")]
    [InlineData("7d", null, null, null, "revenue!", "'metric'")]
    [InlineData("7d", null, null, null, "interval=fortnight", "'interval' must be one of: hour, day, week, month.")]
    public void A_wrong_value_falls_back_to_the_default_and_says_what_was_wrong(string period, string? from, string? to, string? compare, string? metric, string expected)
    {
        var interval = metric?.StartsWith("interval=", StringComparison.Ordinal) == true ? metric["interval=".Length..] : null;
        var (view, error) = DashboardView.Parse(period, from, to, compare, null, interval is null ? metric : null, interval);
        Assert.Equal(DashboardView.Default, view);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("source")]            // no value separator
    [InlineData("prop::pro")]         // a property without a name
    [InlineData("nonsense:1")]
    public void Filters_name_a_filterable_dimension(string filter) =>
        Assert.Contains("dimension:value", DashboardView.Parse("7d", null, null, null, [filter], null).Error);

    [Theory]
    [InlineData("page:/a\u0000")]
    [InlineData("source:Goo\ngle")]
    [InlineData("prop:plan:pro\u0007")]
    public void Filter_values_with_control_characters_are_refused(string filter) =>
        Assert.Contains("control character", DashboardView.Parse("7d", null, null, null, [filter], null).Error);

    [Fact]
    public void A_click_on_a_second_value_of_a_dimension_replaces_the_first_and_others_combine()
    {
        var view = DashboardView.Default.WithFilter(new("source", "Google")).WithFilter(new("country", "DE")).WithFilter(new("source", "Bing"));
        Assert.Equal([new("country", "DE"), new("source", "Bing")], view.Filters);
        Assert.Equal([new DashboardFilter("source", "Bing")], view.WithoutFilter(new("country", "DE")).Filters);
    }

    [Theory]
    [InlineData("today", "2026-11-28", "2026-11-28", "hour", "2026-11-27", "2026-11-27")]
    [InlineData("yesterday", "2026-11-27", "2026-11-27", "hour", "2026-11-26", "2026-11-26")]
    [InlineData("7d", "2026-11-22", "2026-11-28", "day", "2026-11-15", "2026-11-21")]
    [InlineData("30d", "2026-10-30", "2026-11-28", "day", "2026-09-30", "2026-10-29")]
    [InlineData("month", "2026-11-01", "2026-11-30", "day", "2026-10-01", "2026-10-31")]
    [InlineData("12mo", "2025-12-01", "2026-11-28", "month", "2024-12-01", "2025-11-30")]
    [InlineData("lastmonth", "2026-10-01", "2026-10-31", "day", "2026-09-01", "2026-09-30")]
    [InlineData("year", "2026-01-01", "2026-12-31", "month", "2025-01-01", "2025-12-31")]
    public void Periods_resolve_to_local_days_a_step_and_the_period_before(string period, string first, string last, string interval, string previousFirst, string previousLast)
    {
        var range = (DashboardView.Default with { Period = period }).Resolve(Today);
        Assert.Equal(new DashboardRange(DateOnly.Parse(first), DateOnly.Parse(last), interval, DateOnly.Parse(previousFirst), DateOnly.Parse(previousLast)), range);
    }

    [Theory]
    [InlineData("30d", "2025-10-30", "2025-11-28")]
    [InlineData("month", "2025-11-01", "2025-11-30")]
    [InlineData("today", "2025-11-28", "2025-11-28")]
    public void Compared_with_a_year_before_the_same_dates_of_last_year(string period, string previousFirst, string previousLast)
    {
        var (view, error) = DashboardView.Parse(period, null, null, "year", null, null);
        Assert.Null(error);
        Assert.Equal(Comparison.Year, view.Compare);
        Assert.Equal("year", view.ToQuery()["compare"]);
        var range = view.Resolve(Today);
        Assert.Equal((DateOnly.Parse(previousFirst), DateOnly.Parse(previousLast)), (range.PreviousFirst, range.PreviousLast));
    }

    [Fact]
    public void Compared_with_days_of_the_merchants_choosing_or_moved_to_the_same_weekdays()
    {
        // Other days: the address carries them, and they are compared whatever the period.
        var (custom, error) = DashboardView.Parse("7d", null, null, "custom", null, null, compareFrom: "2025-11-24", compareTo: "2025-11-30");
        Assert.Null(error);
        Assert.Equal((new DateOnly(2025, 11, 24), new DateOnly(2025, 11, 30)), (custom.Resolve(Today).PreviousFirst, custom.Resolve(Today).PreviousLast));
        var q = custom.ToQuery();
        Assert.Equal(("custom", "2025-11-24", "2025-11-30"), ((string?)q["compare"], (string?)q["compare_from"], (string?)q["compare_to"]));
        Assert.Equal(custom, DashboardView.Parse("7d", null, null, (string?)q["compare"], null, null, compareFrom: (string?)q["compare_from"], compareTo: (string?)q["compare_to"]).View);
        Assert.Contains("needs 'compare_from' and 'compare_to'", DashboardView.Parse("7d", null, null, "custom", null, null, compareFrom: "2025-11-24").Error);
        Assert.Contains("'compare_to' must not be before", DashboardView.Parse("7d", null, null, "custom", null, null, compareFrom: "2025-11-24", compareTo: "2025-11-01").Error);
        Assert.Contains("'match_day_of_week' must be true or false", DashboardView.Parse("7d", null, null, "year", null, null, matchDayOfWeek: "yes").Error);
        // Days at the calendar's ends, whose year before or day after does not exist.
        Assert.Equal("A custom comparison must lie between 1970-01-01 and 2999-12-31.",
            DashboardView.Parse("7d", null, null, "custom", null, null, compareFrom: "0001-01-01", compareTo: "0001-01-02").Error);
        Assert.Equal("A custom range must lie between 1970-01-01 and 2999-12-31.", DashboardView.Parse("custom", "9999-12-30", "9999-12-31", "year", null, null).Error);

        // Black Friday, 27 November 2026, against last year's (a Friday, the 28th), not against Thursday 27 November 2025.
        var friday = DashboardView.Parse("custom", "2026-11-27", "2026-11-27", "year", null, null, matchDayOfWeek: "true").View;
        Assert.True(friday.MatchDayOfWeek);
        Assert.Equal("true", friday.ToQuery()["match_day_of_week"]);
        Assert.Equal(new DateOnly(2025, 11, 28), friday.Resolve(Today).PreviousFirst);
        Assert.NotEqual(friday, friday with { MatchDayOfWeek = false });
        // The previous 30 days moved back to whole weeks: the 30 days from 35 days before, starting on the same weekday.
        var weeks = DashboardView.Parse("30d", null, null, "previous", null, null, matchDayOfWeek: "true").View.Resolve(Today);
        Assert.Equal((new DateOnly(2026, 9, 25), new DateOnly(2026, 10, 24)), (weeks.PreviousFirst, weeks.PreviousLast));
        Assert.Equal(weeks.First.DayOfWeek, weeks.PreviousFirst.DayOfWeek);
        // Without a comparison to move, or with days of its own, the choice is dropped.
        Assert.False(DashboardView.Parse("30d", null, null, null, null, null, matchDayOfWeek: "true").View.MatchDayOfWeek);
        Assert.Null((custom with { MatchDayOfWeek = true }).ToQuery()["match_day_of_week"]);
    }

    [Fact]
    public void Last_month_in_january_is_last_years_december()
    {
        var range = (DashboardView.Default with { Period = "lastmonth" }).Resolve(new DateOnly(2027, 1, 15));
        Assert.Equal(new DashboardRange(new(2026, 12, 1), new(2026, 12, 31), "day", new(2026, 11, 1), new(2026, 11, 30)), range);
    }

    [Theory]
    [InlineData("today", null, "hour", "hour")]
    [InlineData("today", "day", "hour", "hour")]              // one day: hours only
    [InlineData("7d", "hour", "hour,day", "hour")]
    [InlineData("7d", "week", "hour,day", "day")]             // too short for weeks: the period's own step
    [InlineData("30d", "week", "day,week", "week")]
    [InlineData("30d", "month", "day,week", "day")]
    [InlineData("12mo", "week", "day,week,month", "week")]
    [InlineData("year", "day", "day,week,month", "day")]
    [InlineData("year", null, "day,week,month", "month")]
    [InlineData("custom:2024-01-01:2026-01-01", "day", "week,month", "month")]   // over a year: too many days to draw
    public void The_chart_takes_a_chosen_step_the_period_allows(string period, string? chosen, string allowed, string interval)
    {
        var custom = period.Split(':');
        var view = DashboardView.Parse(custom[0], custom.ElementAtOrDefault(1), custom.ElementAtOrDefault(2), null, null, null, chosen).View;
        Assert.Equal(custom[0], view.Period);
        var range = view.Resolve(Today);
        Assert.Equal(allowed.Split(','), DashboardView.IntervalsFor(range.Last.DayNumber - range.First.DayNumber + 1));
        Assert.Equal(interval, range.Interval);
    }

    [Fact]
    public void A_long_custom_range_is_charted_by_month()
    {
        var view = DashboardView.Parse("custom", "2026-01-01", "2026-06-30", null, null, null).View;
        Assert.Equal("month", view.Resolve(Today).Interval);
        Assert.Equal(new DateOnly(2025, 7, 4), view.Resolve(Today).PreviousFirst);   // the 181 days before
    }

    [Fact]
    public void A_year_before_pairs_each_day_with_the_same_date_and_the_previous_period_by_position()
    {
        static LiveAnalytics.Stats.Counts C(long visitors) => new(visitors, 0, 0, 0, 0, 0, 0);
        // 28 Feb to 1 Mar 2028 (a leap year) against 2027, which has no 29 Feb: the 1st of March meets its own date.
        (DateTime, LiveAnalytics.Stats.Counts)[] leap = [(new(2028, 2, 28), C(1)), (new(2028, 2, 29), C(2)), (new(2028, 3, 1), C(3))];
        (DateTime, LiveAnalytics.Stats.Counts)[] before = [(new(2027, 2, 27), C(9)), (new(2027, 2, 28), C(10)), (new(2027, 3, 1), C(11))];

        var yearly = DashboardQueries.Align(leap, before, Comparison.Year);
        Assert.Equal([10L, 10L, 11L], yearly.Select(p => p.Previous!.Visitors));   // the 29th pairs with the 28th
        var byPosition = DashboardQueries.Align(leap, before[..2], Comparison.Previous);
        Assert.Equal([9L, 10L, 0L], byPosition.Select(p => p.Previous!.Visitors));
        Assert.All(DashboardQueries.Align(leap, null, Comparison.None), p => Assert.Null(p.Previous));

        // Weeks a year before: the week that held each Monday's date (Monday 2 Nov 2026 was a Sunday, 2 Nov 2025).
        (DateTime, LiveAnalytics.Stats.Counts)[] weeks = [(new(2026, 11, 2), C(1)), (new(2026, 11, 9), C(2))];
        (DateTime, LiveAnalytics.Stats.Counts)[] weeksBefore = [(new(2025, 10, 27), C(7)), (new(2025, 11, 3), C(8))];
        Assert.Equal([7L, 8L], DashboardQueries.Align(weeks, weeksBefore, Comparison.Year, "week").Select(p => p.Previous!.Visitors));
    }
}
