using System.Text;
using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Stats;
using LiveAnalytics.Live;
using Npgsql;

namespace LiveAnalytics.Reports;

/// <summary>
/// The job that posts sites' alerts to their webhooks (<see cref="SiteWebhooks"/>), every 30 seconds, by the rules of a
/// member's alerts: a traffic alert once the site's visitors online reach its number, at most one in
/// <see cref="TrafficAlert.Quiet"/>; a tracking check once a spell when no pageview came for its hours; and the last
/// week's or month's summary, from the rollups, from Monday or the 1st at 07:00 in the site's zone, as the mails go. A post
/// the receiver did not take is tried again <see cref="RetryAfter"/> later (not at every run: a chat that is down is not
/// called twice a minute), and its error shows on the settings page.
/// </summary>
public sealed class WebhookAlerts(NpgsqlDataSource db, EventHub hub, SiteWebhooks webhooks, Stats.RollupQueries rollups, TimeProvider time)
{
    private const string Unreadable = "The saved address can no longer be read (the server's keys were replaced): enter it again.";
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(5);

    // A webhook whose last post failed within RetryAfter (@retrySince) is left out of every selection: nothing is
    // composed or posted for it until then.
    private const string Ready = "(w.last_error IS NULL OR w.last_attempt <= @retrySince)";

    [Hangfire.DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task CheckAsync(CancellationToken ct) => CheckAsync(siteId: null, ct);

    /// <param name="siteId">Only this site's webhook (tests share one database).</param>
    internal async Task CheckAsync(long? siteId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var traffic = await conn.QueryAsync<Hook>(new CommandDefinition($"""
            SELECT w.site_id AS SiteId, w.url AS Url, s.domain AS Domain, w.traffic_alert AS Number, s.timezone AS Timezone, NULL::timestamptz AS Since
            FROM site_webhooks w JOIN sites s ON s.id = w.site_id
            WHERE w.traffic_alert IS NOT NULL AND (w.traffic_alert_sent IS NULL OR w.traffic_alert_sent <= @quietSince)
              AND (@siteId::bigint IS NULL OR w.site_id = @siteId) AND {Ready}
            """, new { quietSince = now - TrafficAlert.Quiet, siteId, retrySince = now - RetryAfter }, cancellationToken: ct));
        foreach (var hook in traffic)
        {
            var live = hub.Snapshot(hook.SiteId);
            if (live.VisitorsOnline < hook.Number) continue;
            var message = new WebhookMessage(TrafficText(hook, live), "traffic", hook.Domain, VisitorsOnline: live.VisitorsOnline,
                Link: webhooks.Link($"/sites/{hook.SiteId}"));
            if (await PostAsync(conn, hook.SiteId, hook.Url, message, ct))
                await conn.ExecuteAsync(new CommandDefinition("UPDATE site_webhooks SET traffic_alert_sent = @now WHERE site_id = @SiteId",
                    new { now, hook.SiteId }, cancellationToken: ct));
        }

        // As a member's check: quiet for the hours, and not told of this spell yet.
        var silent = await conn.QueryAsync<Hook>(new CommandDefinition($"""
            SELECT w.site_id AS SiteId, w.url AS Url, s.domain AS Domain, w.silence_alert_hours AS Number, s.timezone AS Timezone,
                   w.silence_alert_since AS Since
            FROM site_webhooks w JOIN sites s ON s.id = w.site_id
            WHERE (@siteId::bigint IS NULL OR w.site_id = @siteId) AND {Ready} AND {SilenceAlert.Quiet("w")}
            """, new { siteId, now, pageview = TrackedEvent.Pageview, retrySince = now - RetryAfter }, cancellationToken: ct));
        foreach (var hook in silent)
        {
            var quietSince = await SilenceAlert.QuietSinceAsync(conn, hook.SiteId, hook.Since!.Value, now, ct);
            var hours = (int)(now - quietSince).TotalHours;
            var local = LiveClock.For(hook.Timezone).Format(quietSince, "ddd d MMM yyyy HH:mm");
            var message = new WebhookMessage(
                $"{hook.Domain} has had no pageviews for {SilenceAlert.Hours(hours)}, since {local} ({hook.Timezone}). If the store is open, its pages may " +
                "have lost the tracking snippet (a theme update, a new template, a cookie banner that blocks it).",
                "silence", hook.Domain, QuietHours: hours, Link: webhooks.Link($"/sites/{hook.SiteId}"));
            if (await PostAsync(conn, hook.SiteId, hook.Url, message, ct))
                await conn.ExecuteAsync(new CommandDefinition("UPDATE site_webhooks SET silence_alert_sent = @now WHERE site_id = @SiteId",
                    new { now, hook.SiteId }, cancellationToken: ct));
        }
        foreach (var period in (ReportPeriod[])[ReportPeriod.Week, ReportPeriod.Month]) await PostSummariesAsync(conn, period, siteId, now, ct);
    }

    // The columns are named by ReportPeriod's two constants, never by input.
    private async Task PostSummariesAsync(NpgsqlConnection conn, ReportPeriod period, long? siteId, DateTimeOffset now, CancellationToken ct)
    {
        var due = await conn.QueryAsync<Summary>(new CommandDefinition($"""
            SELECT w.site_id AS SiteId, w.url AS Url, s.domain AS Domain, s.timezone AS Timezone, s.revenue_currency AS Currency,
                   w.{period.Column}_sent AS Sent
            FROM site_webhooks w JOIN sites s ON s.id = w.site_id
            WHERE w.{period.Column} AND (@siteId::bigint IS NULL OR w.site_id = @siteId) AND {Ready}
            """, new { siteId, retrySince = now - RetryAfter }, cancellationToken: ct));
        foreach (var site in due)
        {
            var first = EmailReports.LastWhole(period, now, site.Timezone);
            var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(site.Timezone)).DateTime;
            if (site.Sent >= first || local < period.Next(first).ToDateTime(TimeOnly.MinValue) + EmailReports.SendFrom) continue;
            var message = await SummaryAsync(period, site, first, ct);
            if (await PostAsync(conn, site.SiteId, site.Url, message, ct))
                await conn.ExecuteAsync(new CommandDefinition($"UPDATE site_webhooks SET {period.Column}_sent = @first WHERE site_id = @SiteId",
                    new { first, site.SiteId }, cancellationToken: ct));
        }
    }

    private async Task<WebhookMessage> SummaryAsync(ReportPeriod period, Summary site, DateOnly first, CancellationToken ct)
    {
        var (_, last, counts, before, pages, sources, channels) = await ReportFigures.ReadAsync(rollups, period, site.SiteId, first, top: 3);
        ct.ThrowIfCancellationRequested();
        string Figure(string metric, string label) =>
            $"{Dashboard.MetricFormat.Text(counts, metric)} {label}{Change(counts, before, metric)}";
        var text = new StringBuilder($"{site.Domain}, {period.Name(first)} (days in {site.Timezone}): ");
        text.AppendJoin(", ", new[] { Figure("visitors", "visitors"), Figure("pageviews", "pageviews"), Figure("bounce_rate", "bounce rate") });
        if (counts.Revenue != 0)
            text.Append($", {Dashboard.MetricFormat.Money(counts.Revenue)}{(site.Currency is null ? "" : $" {site.Currency}")} revenue{Change(counts, before, Dashboard.DashboardView.Revenue)}");
        text.Append('.');
        Top(text, "Top pages", pages, Dashboard.DashboardDimensions.Page);
        Top(text, "Top sources", sources, Dashboard.DashboardDimensions.Source);
        Top(text, "Channels", channels, Dashboard.DashboardDimensions.Channel);
        var link = webhooks.Link($"/sites/{site.SiteId}/history?period=custom&from={first:yyyy-MM-dd}&to={last:yyyy-MM-dd}");
        return new WebhookMessage(text.ToString(), period.Key, site.Domain, Link: link, Visitors: counts.Visitors, Pageviews: counts.Pageviews);
    }

    /// <summary>A top list in a sentence, a missing value called as the dashboard's card calls it.</summary>
    private static void Top(StringBuilder text, string title, IReadOnlyList<(string Value, Counts Counts)> rows, Dashboard.DashboardDimension dimension)
    {
        if (rows.Count > 0)
            text.Append($" {title}: ").AppendJoin(", ", rows.Select(r => $"{(r.Value.Length == 0 ? dimension.Missing : r.Value)} ({Dashboard.MetricFormat.Count(r.Counts.Visitors)})")).Append('.');
    }

    private static string Change(Counts current, Counts previous, string metric) =>
        Dashboard.MetricFormat.Change(current, previous, metric) is { } change ? $" ({change.Signed})" : "";

    /// <returns>Whether the receiver took it.</returns>
    private async Task<bool> PostAsync(NpgsqlConnection conn, long siteId, string storedUrl, WebhookMessage message, CancellationToken ct)
    {
        if (webhooks.Unprotect(storedUrl) is { } url) return await webhooks.PostAsync(siteId, url, message, ct) is null;
        await conn.ExecuteAsync(new CommandDefinition("UPDATE site_webhooks SET last_attempt = @now, last_error = @Unreadable WHERE site_id = @siteId",
            new { now = time.GetUtcNow(), Unreadable, siteId }, cancellationToken: ct));
        return false;
    }

    private static string TrafficText(Hook hook, LiveSnapshot live)
    {
        var text = new StringBuilder($"{live.VisitorsOnline:N0} visitors are on {hook.Domain} right now (the alert: {hook.Number:N0}).");
        if (live.Pages.Count > 0) text.Append(" Looking at: ").AppendJoin(", ", live.Pages.Take(3).Select(p => $"{p.Value} ({p.Visitors})")).Append('.');
        if (live.Sources.Count > 0) text.Append(" From: ").AppendJoin(", ", live.Sources.Take(3).Select(s => $"{s.Value} ({s.Visitors})")).Append('.');
        return text.ToString();
    }

    private sealed record Hook(long SiteId, string Url, string Domain, int Number, string Timezone, DateTimeOffset? Since);

    private sealed record Summary(long SiteId, string Url, string Domain, string Timezone, string? Currency, DateOnly? Sent);
}
