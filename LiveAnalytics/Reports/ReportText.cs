using System.Text;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Stats;

namespace LiveAnalytics.Reports;

/// <summary>A report's plain text: figures in a column, each with its change on the week or month before.</summary>
internal static class ReportText
{
    private static readonly (string Metric, string Label)[] Metrics =
        [("visitors", "Visitors"), ("visits", "Visits"), ("pageviews", "Pageviews"), ("bounce_rate", "Bounce rate"), ("visit_duration", "Visit duration")];

    public static string Write(ReportPeriod period, string domain, string timezone, string? currency, ReportFigures figures, IReadOnlyList<GoalRow> goals,
        IReadOnlyList<(Funnel Funnel, IReadOnlyList<long>? Visitors)> funnels, IReadOnlyList<Annotation> annotations, string link)
    {
        var (first, last, counts, before, pages, sources, channels) = figures;
        var text = new StringBuilder();
        text.AppendLine($"{domain}, {first:ddd d MMM} to {last:ddd d MMM yyyy} (days in {timezone}), against the {period.Noun} before:");
        text.AppendLine();
        foreach (var (metric, label) in Metrics)
            text.AppendLine($"  {label,-16}{MetricFormat.Text(counts, metric),12}   {MetricFormat.Change(counts, before, metric)?.Signed ?? "new"}");
        if (counts.Revenue != 0 || before.Revenue != 0)
            text.AppendLine($"  {(currency is null ? "Revenue" : $"Revenue ({currency})"),-16}{MetricFormat.Money(counts.Revenue),12}   {MetricFormat.Change(counts, before, DashboardView.Revenue)?.Signed ?? "new"}");
        Top(text, "Top pages", pages, DashboardDimensions.Page);
        Top(text, "Top sources", sources, DashboardDimensions.Source);
        Top(text, "Channels", channels, DashboardDimensions.Channel);
        if (figures.RevenueSources.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"Revenue by source{(currency is null ? "" : $" ({currency})")}, what each source's visits bought:");
            foreach (var (value, source) in figures.RevenueSources)
                text.AppendLine($"  {MetricFormat.Money(source.Revenue),12}  {(value.Length == 0 ? DashboardDimensions.Source.Missing : value)}");
        }
        if (goals.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Goals (visitors who converted, and their share of all visitors):");
            foreach (var (goal, converted) in goals)
                text.AppendLine($"  {MetricFormat.Count(converted.Visitors),8}  {MetricFormat.Conversion(converted.Visitors, counts.Visitors),6}  {goal.Label}");
        }
        if (funnels.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Funnels (visitors at each step, and their share of the first step's):");
            foreach (var (funnel, visitors) in funnels)
                text.AppendLine(visitors is null
                    ? $"  {funnel.Name}: could not be counted this time; the dashboard has it."
                    : $"  {funnel.Name}: {string.Join(" → ", visitors.Select((v, i) => i == 0 ? MetricFormat.Count(v) : $"{MetricFormat.Count(v)} ({MetricFormat.Conversion(v, visitors[0])})"))}");
        }
        if (annotations.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Annotations:");
            foreach (var a in annotations)
                text.AppendLine($"  {a.Day:ddd d MMM}  {a.Text}{(a.Author is null ? "" : $" ({a.Author})")}");
        }
        text.AppendLine();
        text.AppendLine($"The {period.Noun} on the dashboard: {link}");
        text.AppendLine();
        text.AppendLine("You get this because you asked for it on the site's settings page; untick it there to stop.");
        return text.ToString();
    }

    /// <param name="dimension">The list's, for what a missing value is called: as the dashboard's card calls it.</param>
    private static void Top(StringBuilder text, string title, IReadOnlyList<(string Value, Counts Counts)> rows, DashboardDimension dimension)
    {
        if (rows.Count == 0) return;
        text.AppendLine();
        text.AppendLine($"{title}:");
        foreach (var (value, counts) in rows)
            text.AppendLine($"  {MetricFormat.Count(counts.Visitors),8}  {(value.Length == 0 ? dimension.Missing : value)}");
    }
}
