using System.Globalization;
using LiveAnalytics.Sites;

namespace LiveAnalytics.Dashboard;

/// <summary>The history page's words about its figures: the days they cover, and how fresh and complete they are.</summary>
internal static class HistoryCaptions
{
    public static string Range(DateOnly first, DateOnly last) =>
        first == last ? Day(first) : $"{Day(first)} – {Day(last)}";

    /// <summary>
    /// The rollup job takes new events every few seconds, into the rollups and the table of visits: only a backlog older
    /// than a minute is worth a word. Filtered views read what it keeps of visits, or the stored events themselves.
    /// </summary>
    public static string Freshness(DashboardData data, DashboardView view, Site site, int? keepEventsDays, DateTimeOffset now) =>
        data.FromRollups ? Lag(data, site, now)
        : data.FromVisits ? Lag(data, site, now) + RetentionNote(data, view, site, keepEventsDays, now)
        : "Computed from the stored events because of the filters: up to date with every stored event." + RetentionNote(data, view, site, keepEventsDays, now);

    private static string Lag(DashboardData data, Site site, DateTimeOffset now) =>
        data.PendingSince is { } since && now - since > TimeSpan.FromMinutes(1)
            ? $"Catching up: events from {Live.LiveClock.For(site.Timezone).Format(since, "HH:mm")} ({site.Timezone}) on are still being rolled up."
            : "Up to date with the stored events, within seconds.";

    // Filters read raw events, which the site keeps a limited time; the rollups without filters keep every day.
    private static string RetentionNote(DashboardData data, DashboardView view, Site site, int? keepEventsDays, DateTimeOffset now) =>
        SiteClock.RawEventsIncompleteUntil(site, keepEventsDays, view.Compare != Comparison.None ? data.Range.PreviousFirst : data.Range.First, now) is { } until
            ? $" This site keeps its raw events for {keepEventsDays} days: filtered numbers up to {Day(until)} are incomplete; without filters every day counts."
            : "";

    private static string Day(DateOnly day) => day.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
}
