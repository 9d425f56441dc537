using System.Globalization;
using LiveAnalytics.Stats;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// The history chart's value axis: from zero to a round top at or above the largest value, in about four round steps
/// (1, 2 or 5 times a power of ten; a duration's in seconds, minutes and hours), each labelled in the metric's format.
/// </summary>
public static class ChartAxis
{
    private const int Steps = 4;
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    // Round lengths of time a step of a duration's axis may take, in seconds.
    private static readonly int[] DurationSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

    /// <summary>The axis' values from 0 to its top, for values up to <paramref name="max"/> (at least the first step).</summary>
    public static double[] Ticks(double max, string metric)
    {
        var raw = Math.Max(max, 0) / Steps;
        double step;
        if (metric == "visit_duration")
            step = DurationSteps.Select(s => (double)s).FirstOrDefault(s => s >= raw, Math.Ceiling(raw / 3600) * 3600);
        else
        {
            var power = raw > 0 ? Math.Pow(10, Math.Floor(Math.Log10(raw))) : 1;
            step = new[] { 1, 2, 5, 10 }.Select(m => m * power).First(s => s >= raw * (1 - 1e-9));
            if (!Fractional(metric)) step = Math.Max(1, Math.Round(step));   // no step of half a visitor
        }
        var count = Math.Max(1, (int)Math.Ceiling(max / step - 1e-9));
        return [.. Enumerable.Range(0, count + 1).Select(i => i * step)];
    }

    /// <summary>A tick's label on an axis of <paramref name="step"/>: "1,500", "40%", "2m 30s", "1.5"; revenue without cents
    /// unless the steps have them.</summary>
    public static string Label(double value, double step, string metric) => metric switch
    {
        DashboardView.Revenue or StatsRequest.AverageRevenue => value.ToString(step == Math.Floor(step) ? "N0" : "N2", Culture),
        "bounce_rate" => $"{value.ToString("0.#", Culture)}%",
        "visit_duration" => MetricFormat.Duration((long)value),
        "views_per_visit" => value.ToString("0.##", Culture),
        _ => MetricFormat.Count((long)value),
    };

    private static bool Fractional(string metric) =>
        metric is DashboardView.Revenue or StatsRequest.AverageRevenue or "views_per_visit";
}
