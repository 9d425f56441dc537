using System.Globalization;
using LiveAnalytics.Stats;

namespace LiveAnalytics.Dashboard;

/// <summary>How the dashboard writes metric values and their change against the compared period.</summary>
public static class MetricFormat
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static double Number(Counts c, string metric) =>
        metric == DashboardView.Revenue ? (double)c.Revenue : Convert.ToDouble(c.Metric(metric), Culture);

    public static string Text(Counts c, string metric) => metric switch
    {
        DashboardView.Revenue => Money(c.Revenue),
        StatsRequest.AverageRevenue => Money(c.Events == 0 ? 0 : c.Revenue / c.Events),
        "bounce_rate" => $"{c.Metric(metric)}%",
        "visit_duration" => Duration(Convert.ToInt64(c.Metric(metric), Culture)),
        "views_per_visit" => ((double)c.Metric(metric)).ToString("0.##", Culture),
        _ => Count(Convert.ToInt64(c.Metric(metric), Culture)),
    };

    public static string Count(long n) => n.ToString("N0", Culture);

    public static string Duration(long seconds) =>
        seconds < 60 ? $"{seconds}s" : seconds < 3600 ? $"{seconds / 60}m {seconds % 60:00}s" : $"{seconds / 3600}h {seconds % 3600 / 60:00}m";

    public static string Money(decimal amount) => amount.ToString("N2", Culture);

    /// <summary>A row's revenue in a list: "–" for a row that took none (a goal without amounts), not "0.00".</summary>
    public static string MoneyCell(decimal amount) => amount == 0 ? "–" : Money(amount);

    /// <summary>What percent <paramref name="part"/> is of <paramref name="whole"/>, to one decimal; null of nothing.</summary>
    public static double? Share(long part, long whole) =>
        whole == 0 ? null : Math.Round(100.0 * part / whole, 1, MidpointRounding.AwayFromZero);

    /// <summary>A share of the period's unique visitors, to one decimal ("–" when there were none).</summary>
    public static string Conversion(long visitors, long totalVisitors) =>
        Share(visitors, totalVisitors) is { } share ? $"{share.ToString("0.#", Culture)}%" : "–";

    /// <summary>
    /// The change against the compared period, or null when there is nothing to compare with (nothing before). In
    /// percent, except the bounce rate's, in points as the Stats API gives it: 50% → 40% is 10 points down, not 20%.
    /// </summary>
    public static MetricChange? Change(Counts current, Counts previous, string metric)
    {
        if (metric == "bounce_rate")
            return previous.Visits == 0 ? null : new(Number(current, metric) - Number(previous, metric), Points: true);
        return PercentChange(Number(current, metric), Number(previous, metric));
    }

    private static MetricChange? PercentChange(double now, double before) =>
        before == 0 ? null : new(Math.Round(100 * (now - before) / before, 0, MidpointRounding.AwayFromZero), Points: false);

    /// <summary>A falling bounce rate is good news; for every other metric a rise is.</summary>
    public static bool HigherIsBetter(string metric) => metric != "bounce_rate";

    /// <summary>A change as shown beside its figure: "↑ 12%", "↓ 1.5 pts", "±0%"; "new" with nothing to compare with.</summary>
    public static string ChangeText(MetricChange? change) => change switch
    {
        null => "new",
        { Value: > 0 } c => $"↑ {MetricChange.Magnitude(c.Value)}{c.Unit}",
        { Value: < 0 } c => $"↓ {MetricChange.Magnitude(-c.Value)}{c.Unit}",
        { } c => $"±0{c.Unit}",
    };

    /// <summary>The change's classes: good news green, bad news red, none plain.</summary>
    public static string ChangeClass(bool higherIsBetter, MetricChange? change) =>
        change is not { Value: not 0 } c ? "metric-change"
        : c.Value > 0 == higherIsBetter ? "metric-change metric-better" : "metric-change metric-worse";

    /// <summary>A count's change in percent, or null when there was nothing before.</summary>
    public static MetricChange? CountChange(long now, long before) => PercentChange(now, before);

    /// <summary>A share's change in points to one decimal (a conversion rate's), or null when either has no base.</summary>
    public static MetricChange? ShareChange(long part, long whole, long partBefore, long wholeBefore) =>
        Share(part, whole) is { } now && Share(partBefore, wholeBefore) is { } before ? new(Math.Round(now - before, 1), Points: true) : null;
}

/// <summary>A metric's change, rounded to a whole percent or point (a conversion rate's to a tenth of a point).</summary>
public readonly record struct MetricChange(double Value, bool Points)
{
    public string Unit => Points ? " pts" : "%";

    /// <summary>"+12%", "-3 pts", "0%" (a conversion rate's points to one decimal: "+1.5 pts").</summary>
    public string Signed => $"{(Value > 0 ? "+" : "")}{Magnitude(Value)}{Unit}";

    public static string Magnitude(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
