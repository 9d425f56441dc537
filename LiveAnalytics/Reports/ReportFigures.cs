using LiveAnalytics.Stats;

namespace LiveAnalytics.Reports;

/// <summary>What a period's report says, from the rollups: its totals, the period before's, its top pages, sources and channels.
/// The mails (<see cref="EmailReports"/>) and the chat summaries (<see cref="WebhookAlerts"/>) read the same.</summary>
internal sealed record ReportFigures(DateOnly First, DateOnly Last, Counts Counts, Counts Before,
    IReadOnlyList<(string Value, Counts Counts)> Pages, IReadOnlyList<(string Value, Counts Counts)> Sources,
    IReadOnlyList<(string Value, Counts Counts)> Channels)
{
    /// <summary>The sources whose visits bought the most (none that bought nothing): what sold, beside what brought visitors.</summary>
    public IReadOnlyList<(string Value, Counts Counts)> RevenueSources { get; init; } = [];

    /// <param name="top">Rows of each top list.</param>
    /// <param name="revenueSources">Also <see cref="RevenueSources"/> (the mails list them; the chat summaries stay short).</param>
    public static async Task<ReportFigures> ReadAsync(RollupQueries rollups, ReportPeriod period, long siteId, DateOnly first, int top,
        bool revenueSources = false)
    {
        var last = period.Next(first).AddDays(-1);
        var selling = revenueSources ? await rollups.TopByRevenueAsync(siteId, first, last, Dashboard.DashboardDimensions.Source.Key, top, 0) : [];
        return new ReportFigures(first, last,
            await rollups.AggregateAsync(siteId, first, last),
            await rollups.AggregateAsync(siteId, period.Before(first), first.AddDays(-1)),
            await rollups.TopAsync(siteId, first, last, Dashboard.DashboardDimensions.Page.Key, top),
            await rollups.TopAsync(siteId, first, last, Dashboard.DashboardDimensions.Source.Key, top),
            await rollups.TopAsync(siteId, first, last, Dashboard.DashboardDimensions.Channel.Key, top))
        {
            RevenueSources = [.. selling.Where(r => r.Counts.Revenue > 0)],
        };
    }
}
