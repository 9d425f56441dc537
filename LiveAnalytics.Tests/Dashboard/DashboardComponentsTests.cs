using Bunit;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Stats;
using MudBlazor.Services;

namespace LiveAnalytics.Tests.Dashboard;

public sealed partial class DashboardComponentsTests : BunitContext
{
    public DashboardComponentsTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static Counts C(long visitors, long pageviews = 0, long visits = 0, long bounces = 0, double seconds = 0, long events = 0, decimal revenue = 0) =>
        new(visitors, pageviews, events, visits, bounces, seconds, revenue);

    private static readonly DashboardRange Range = new(new(2026, 11, 1), new(2026, 11, 3), "day", new(2026, 10, 29), new(2026, 10, 31));

    private static DashboardData Data(Dictionary<string, IReadOnlyList<TopRow>>? tops = null, bool fromRollups = true, Counts? totals = null) =>
        new(Range, totals ?? C(200, 500, 250), null, [], tops ?? [], fromRollups, null);

    [Fact]
    public void Metrics_show_the_totals_and_their_change_with_a_falling_bounce_rate_as_good_news()
    {
        var bar = Render<MetricsBar>(p => p
            .Add(c => c.Totals, C(1500, pageviews: 3000, visits: 2000, bounces: 800, seconds: 2000 * 95))
            .Add(c => c.Previous, C(1000, pageviews: 3000, visits: 1000, bounces: 500, seconds: 1000 * 95))
            .Add(c => c.Selected, "visits"));

        Assert.Equal("1,500", bar.Find("[data-testid=metric-visitors]").TextContent);
        Assert.Equal("40%", bar.Find("[data-testid=metric-bounce_rate]").TextContent);
        Assert.Equal("1m 35s", bar.Find("[data-testid=metric-visit_duration]").TextContent);
        Assert.Equal("1.5", bar.Find("[data-testid=metric-views_per_visit]").TextContent);

        var visitors = bar.Find("[data-testid=change-visitors]");
        Assert.Equal("↑ 50%", visitors.TextContent);
        Assert.Equal("1,000 in the previous period", visitors.GetAttribute("title"));
        Assert.Contains("metric-better", visitors.ClassName);
        var bounce = bar.Find("[data-testid=change-bounce_rate]");   // 50% → 40%
        Assert.Equal("↓ 10 pts", bounce.TextContent);   // points, not the 20% a ratio of rates would say
        Assert.Contains("metric-better", bounce.ClassName);
        Assert.Contains("metric-worse", bar.Find("[data-testid=change-views_per_visit]").ClassName);   // 3 → 1.5
        Assert.Equal("true", bar.Find("[data-metric=visits]").GetAttribute("aria-pressed"));
        Assert.Empty(bar.FindAll("[data-testid=metric-revenue]"));   // no revenue, no revenue card
    }

    [Fact]
    public void Under_a_custom_events_filter_the_metrics_are_its_conversions_and_their_share_of_all_visitors()
    {
        var bar = Render<MetricsBar>(p => p
            .Add(c => c.Totals, C(30, pageviews: 0, visits: 31, events: 45, revenue: 900))
            .Add(c => c.Previous, C(20, visits: 20, events: 30))
            .Add(c => c.AllVisitors, 120L).Add(c => c.PreviousAllVisitors, 100L)
            .Add(c => c.Selected, "events"));

        Assert.Equal(["Unique conversions", "Total conversions", "Conversion rate", "Revenue", "Average revenue"],
            bar.FindAll(".metric-label").Select(l => l.TextContent));
        Assert.Equal("20.00", bar.Find("[data-testid=metric-average_revenue]").TextContent);   // 900 over 45 conversions
        Assert.Equal("new", bar.Find("[data-testid=change-average_revenue]").TextContent);   // no revenue before
        Assert.Empty(bar.FindAll("[data-testid=metric-pageviews]"));   // a custom event's filter keeps no pageviews
        Assert.Equal("30", bar.Find("[data-testid=metric-visitors]").TextContent);
        Assert.Equal("45", bar.Find("[data-testid=metric-events]").TextContent);
        Assert.Equal("↑ 50%", bar.Find("[data-testid=change-events]").TextContent);
        Assert.Equal("true", bar.Find("[data-metric=events]").GetAttribute("aria-pressed"));
        Assert.Equal("25%", bar.Find("[data-testid=metric-conversion_rate]").TextContent);
        var rate = bar.Find("[data-testid=change-conversion_rate]");   // 20% → 25%: points, as the bounce rate's
        Assert.Equal("↑ 5 pts", rate.TextContent);
        Assert.Equal("20% in the previous period", rate.GetAttribute("title"));
        Assert.Contains("metric-better", rate.ClassName);
    }

    [Fact]
    public void Under_a_purchase_goal_the_average_order_is_compared_with_the_one_before()
    {
        var bar = Render<MetricsBar>(p => p
            .Add(c => c.Totals, C(30, visits: 31, events: 45, revenue: 900))
            .Add(c => c.Previous, C(20, visits: 20, events: 30, revenue: 750))
            .Add(c => c.AllVisitors, 120L).Add(c => c.PreviousAllVisitors, 100L).Add(c => c.Currency, "EUR"));

        Assert.Equal("Average revenue (EUR)", bar.Find("[data-metric=average_revenue] .metric-label").TextContent);
        var change = bar.Find("[data-testid=change-average_revenue]");   // 25.00 → 20.00 an order
        Assert.Equal("↓ 20%", change.TextContent);
        Assert.Equal("25.00 in the previous period", change.GetAttribute("title"));
        Assert.Contains("metric-worse", change.ClassName);

        // Without a goal's filter there are no conversions to average over.
        var all = Render<MetricsBar>(p => p.Add(c => c.Totals, C(30, visits: 31, events: 45, revenue: 900)));
        Assert.Empty(all.FindAll("[data-metric=average_revenue]"));
        Assert.Equal("900.00", all.Find("[data-testid=metric-revenue]").TextContent);
    }

    [Fact]
    public void A_click_on_a_metric_asks_to_chart_it()
    {
        string? chosen = null;
        var bar = Render<MetricsBar>(p => p.Add(c => c.Totals, C(1)).Add(c => c.OnSelect, (string m) => chosen = m));
        bar.Find("[data-metric=pageviews]").Click();
        Assert.Equal("pageviews", chosen);
        Assert.Empty(bar.FindAll("[data-testid=change-visitors]"));   // nothing compared, no change shown
    }

    [Fact]
    public void Revenue_charts_like_any_metric()
    {
        string? chosen = null;
        var bar = Render<MetricsBar>(p => p.Add(c => c.Totals, C(10, revenue: 2976.8m)).Add(c => c.Previous, C(8, revenue: 2000m))
            .Add(c => c.Currency, "EUR").Add(c => c.OnSelect, (string m) => chosen = m));
        Assert.Equal("Revenue (EUR)", bar.Find("[data-metric=revenue] .metric-label").TextContent);
        Assert.Equal("↑ 49%", bar.Find("[data-testid=change-revenue]").TextContent);
        bar.Find("[data-metric=revenue]").Click();
        Assert.Equal("revenue", chosen);
        bar.Render(p => p.Add(c => c.ComparedWith, "a year before"));
        Assert.Equal("2,000.00 a year before", bar.Find("[data-testid=change-revenue]").GetAttribute("title"));

        var day = new DateTime(2026, 11, 1);
        var chart = Render<HistoryChart>(p => p.Add(c => c.Metric, "revenue")
            .Add(c => c.Points, [new SeriesPoint(day, C(3, revenue: 1234.5m), null), new SeriesPoint(day.AddDays(1), C(5, revenue: 617.25m), null)]));
        Assert.Equal(["500", "1,000", "1,500"], chart.FindAll(".chart-axis-y span").Select(s => s.TextContent));   // a round top above 1,234.50
        Assert.Equal("0,45.5 1000,132.8", chart.Find("[data-testid=chart-current]").GetAttribute("points"));
        Assert.Equal("Revenue per day", chart.Find("svg").GetAttribute("aria-label"));
    }

    [Fact]
    public void An_annotation_is_drawn_at_the_bucket_that_holds_its_day_and_one_bucket_shows_all_of_its()
    {
        Annotation Note(int year, int month, int day, string text) => new(0, new DateOnly(year, month, day), text, null, null);
        var months = new[] { 6, 7, 8 }.Select(m => new SeriesPoint(new DateTime(2026, m, 1), C(1), null)).ToList();
        var chart = Render<HistoryChart>(p => p.Add(c => c.Interval, "month").Add(c => c.Points, months)
            .Add(c => c.Annotations, [Note(2026, 7, 15, "Sale"), Note(2026, 7, 31, "Sale ends"), Note(2026, 8, 31, "Last day"), Note(2026, 9, 1, "Not shown"), Note(2026, 5, 31, "Nor this")]));
        var marks = chart.FindAll("[data-testid=chart-annotation]");
        Assert.Equal(["500", "1000"], marks.Select(m => m.QuerySelector("line")!.GetAttribute("x1")));
        Assert.Equal("15 Jul 2026: Sale\n31 Jul 2026: Sale ends", marks[0].QuerySelector("title")!.TextContent);

        var hours = Enumerable.Range(0, 24).Select(h => new SeriesPoint(new DateTime(2026, 10, 5, h, 0, 0), C(1), null)).ToList();
        chart = Render<HistoryChart>(p => p.Add(c => c.Interval, "hour").Add(c => c.Points, hours)
            .Add(c => c.Annotations, [Note(2026, 10, 5, "Launch"), Note(2026, 10, 6, "Tomorrow")]));
        Assert.Equal("0", Assert.Single(chart.FindAll("[data-testid=chart-annotation] line:first-of-type")).GetAttribute("x1"));
    }

    [Fact]
    public void Goals_show_conversion_rates_against_all_visitors_and_revenue()
    {
        var data = Data(new() { ["event"] = [new("Order", C(25, events: 30, revenue: 1234.5m)), new("Signup", C(3, events: 3))] }, totals: C(200));
        var list = Render<TopList>(p => p.Add(c => c.Title, "Goals").Add(c => c.Dimensions, [DashboardDimensions.Event]).Add(c => c.Data, data));
        Assert.Equal("Custom event", list.Find("thead th").TextContent);   // events by name, not the goals set in the settings
        var cells = list.FindAll("[data-testid=conversion]");
        Assert.Equal(["12.5%", "1.5%"], cells.Select(c => c.TextContent));
        // The revenue column: whole amounts, and a dash for a goal that took none.
        Assert.Equal(["1,234.50", "–"], list.FindAll(".top-row").Select(r => r.QuerySelectorAll(".num")[^1].TextContent));

        // Filtered by Order, the totals are Order's 25 visitors: the rate is still a share of all 200 visitors.
        var filtered = Data(new() { ["event"] = [new("Order", C(25, events: 30))] }, totals: C(25, events: 30)) with { AllVisitors = 200 };
        list = Render<TopList>(p => p.Add(c => c.Title, "Goals").Add(c => c.Dimensions, [DashboardDimensions.Event]).Add(c => c.Data, filtered));
        Assert.Equal(["12.5%"], list.FindAll("[data-testid=conversion]").Select(c => c.TextContent));
        var card = Render<GoalsCard>(p => p.Add(c => c.SiteId, 7).Add(c => c.Data, filtered with
        {
            Goals = [new(new Goal(1, Goal.Event, "Order"), C(25, events: 30))],
        }));
        Assert.Equal("12.5%", card.Find("[data-testid=goal-conversion]").TextContent);
    }

    [Fact]
    public void The_goals_card_shows_conversions_or_how_to_set_goals()
    {
        var none = Render<GoalsCard>(p => p.Add(c => c.Data, Data()).Add(c => c.SiteId, 7));
        Assert.Contains("No goals yet", none.Find("[data-testid=goals-none]").TextContent);
        Assert.Equal("/sites/7/settings#goals", none.Find("a").GetAttribute("href"));

        var data = Data(totals: C(400)) with
        {
            Goals = [new(new Goal(1, Goal.Event, "Order"), C(20, events: 24, revenue: 99.5m)), new(new Goal(2, Goal.Page, "/thank-you"), C(10, pageviews: 12))],
        };
        var card = Render<GoalsCard>(p => p.Add(c => c.Data, data).Add(c => c.SiteId, 7));
        var rows = card.FindAll("tr.top-row");
        Assert.Equal(["Order", "20", "24", "5%", "99.50"], rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        Assert.Equal(["Visit /thank-you", "10", "12", "2.5%", "–"], rows[1].QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
    }

    [Fact]
    public void A_click_on_a_goal_filters_the_page_by_it()
    {
        var data = Data(totals: C(400)) with
        {
            Goals = [new(new Goal(1, Goal.Event, "Order"), C(20, events: 24)), new(new Goal(2, Goal.Page, "/thank-you*"), C(10, pageviews: 12))],
        };
        DashboardFilter? chosen = null;
        var card = Render<GoalsCard>(p => p.Add(c => c.Data, data).Add(c => c.SiteId, 7)
            .Add(c => c.Filters, [new DashboardFilter("goal", "Order")]).Add(c => c.OnFilter, (DashboardFilter f) => chosen = f));

        var thanks = card.Find("[data-goal='Visit /thank-you*'] button.top-filter");
        Assert.Equal("Filter by Goal: Visit /thank-you*", thanks.GetAttribute("aria-label"));
        thanks.Click();
        Assert.Equal(new DashboardFilter("goal", "Visit /thank-you*"), chosen);
        // The goal the page is filtered by already: nothing to click.
        Assert.Empty(card.FindAll("[data-goal=Order] button"));
        Assert.DoesNotContain("clickable", card.Find("[data-goal=Order]").ClassName);
    }

    [Fact]
    public void The_chart_draws_the_compared_period_only_when_comparing()
    {
        var day = new DateTime(2026, 11, 1);
        SeriesPoint Point(int i, Counts? previous) => new(day.AddDays(i), C(10 * i), previous);

        var alone = Render<HistoryChart>(p => p.Add(c => c.Points, [Point(0, null), Point(1, null), Point(2, null)]));
        Assert.Equal("0,220 500,114 1000,8", alone.Find("[data-testid=chart-current]").GetAttribute("points"));
        Assert.Empty(alone.FindAll("[data-testid=chart-previous]"));
        Assert.Equal(["5", "10", "15", "20"], alone.FindAll(".chart-axis-y span").Select(s => s.TextContent));
        // Each label sits at its line: 15 of 20 is three quarters up the 212 units above the baseline.
        Assert.Equal("61", alone.FindAll("line.chart-grid")[2].GetAttribute("y1"));
        Assert.Equal("top: 27.73%", alone.FindAll(".chart-axis-y span")[2].GetAttribute("style"));
        Assert.Equal(["1 Nov", "2 Nov", "3 Nov"], alone.FindAll(".chart-axis-x span").Select(s => s.TextContent));

        var compared = Render<HistoryChart>(p => p.Add(c => c.Points, [Point(0, C(40)), Point(1, C(0)), Point(2, C(0))]));
        Assert.Equal(3, compared.Find("[data-testid=chart-previous]").GetAttribute("points")!.Split(' ').Length);
        Assert.Equal("40", compared.FindAll(".chart-axis-y span")[^1].TextContent);   // the axis fits the taller line
    }

    [Fact]
    public void The_line_stops_at_the_present_and_the_compared_period_goes_on()
    {
        var day = new DateTime(2026, 11, 1);
        SeriesPoint[] points = [.. Enumerable.Range(0, 5).Select(i => new SeriesPoint(day.AddDays(i), C(i < 3 ? 10 : 0), C(5)))];

        var chart = Render<HistoryChart>(p => p.Add(c => c.Points, points).Add(c => c.LocalNow, day.AddDays(2).AddHours(15)));
        // Today is still counting: its segment is dotted, the days before it solid.
        Assert.Equal("0,8 250,8", chart.Find("[data-testid=chart-current]").GetAttribute("points"));
        Assert.Equal("250,8 500,8", chart.Find("[data-testid=chart-partial]").GetAttribute("points"));
        Assert.Equal(3, chart.FindAll(".chart-point").Count);
        Assert.Equal("3 Nov: 10 so far (previous period: 5)", chart.FindAll(".chart-column title")[2].TextContent);
        Assert.Equal("2 Nov: 10 (previous period: 5)", chart.FindAll(".chart-column title")[1].TextContent);
        // Each day's tooltip takes its whole column, half way to the days beside it.
        Assert.Equal([("0", "125"), ("125", "250"), ("375", "250")],
            chart.FindAll(".chart-column rect").Select(r => (r.GetAttribute("x"), r.GetAttribute("width"))));
        Assert.Equal(5, chart.Find("[data-testid=chart-previous]").GetAttribute("points")!.Split(' ').Length);
        Assert.Equal(["1 Nov", "3 Nov", "5 Nov"], chart.FindAll(".chart-axis-x span").Select(s => s.TextContent));   // the axis is the whole period

        var ahead = Render<HistoryChart>(p => p.Add(c => c.Points, points).Add(c => c.LocalNow, day.AddDays(-1)));   // a period still to come
        Assert.Empty(ahead.FindAll("[data-testid=chart-current]"));
    }

    [Theory]
    [InlineData("day", 3, "0,8 500,8 1000,8", null)]         // the period is over: solid throughout
    [InlineData("day", 2, "0,8 500,8", "500,8 1000,8")]       // the last day's last hour: still counting
    [InlineData("hour", 2, "0,8 500,8", "500,8 1000,8")]      // half an hour into the last hour
    [InlineData("hour", 3, "0,8 500,8 1000,8", null)]         // half an hour after it
    [InlineData("week", 2, "0,8 500,8", "500,8 1000,8")]      // the week's Saturday
    [InlineData("month", 2, "0,8 500,8", "500,8 1000,8")]     // the month's sixth day
    public void Only_the_bucket_of_the_present_is_dotted(string interval, int present, string solid, string? dotted)
    {
        var start = new DateTime(2026, 9, 7);
        DateTime Bucket(int i) => interval switch
        {
            "hour" => start.AddHours(i), "week" => start.AddDays(7 * i), "month" => start.AddMonths(i), _ => start.AddDays(i),
        };
        SeriesPoint[] points = [.. Enumerable.Range(0, 3).Select(i => new SeriesPoint(Bucket(i), C(10), null))];
        var into = interval switch { "hour" => TimeSpan.FromMinutes(30), "week" or "month" => TimeSpan.FromDays(5), _ => TimeSpan.FromHours(23) };

        var chart = Render<HistoryChart>(p => p.Add(c => c.Points, points).Add(c => c.Interval, interval).Add(c => c.LocalNow, Bucket(present) + into));

        Assert.Equal(solid, chart.Find("[data-testid=chart-current]").GetAttribute("points"));
        Assert.Equal(dotted, chart.FindAll("[data-testid=chart-partial]").SingleOrDefault()?.GetAttribute("points"));
    }

    [Theory]
    [InlineData(607, "visitors", "200 400 600 800")]
    [InlineData(3, "visitors", "1 2 3")]                       // no step of half a visitor
    [InlineData(0, "pageviews", "1")]                          // nothing at all: an axis still
    [InlineData(45, "bounce_rate", "20% 40% 60%")]
    [InlineData(170, "visit_duration", "1m 00s 2m 00s 3m 00s")]
    [InlineData(3.56, "views_per_visit", "1 2 3 4")]
    [InlineData(0.9, "views_per_visit", "0.5 1")]
    [InlineData(51085, "revenue", "20,000 40,000 60,000")]
    [InlineData(1.6, "revenue", "0.50 1.00 1.50 2.00")]          // cents when the steps have them
    public void The_value_axis_has_a_round_top_in_round_steps(double max, string metric, string labels)
    {
        var ticks = ChartAxis.Ticks(max, metric);
        Assert.Equal(0, ticks[0]);
        Assert.True(ticks[^1] >= max);
        Assert.Equal(labels, string.Join(' ', ticks.Skip(1).Select(t => ChartAxis.Label(t, ticks[1], metric))));
    }

    [Fact]
    public void An_empty_series_says_so()
    {
        var chart = Render<HistoryChart>(p => p.Add(c => c.Points, []));
        Assert.Equal("Nothing to plot.", chart.Find(".chart-empty").TextContent);
    }
}
