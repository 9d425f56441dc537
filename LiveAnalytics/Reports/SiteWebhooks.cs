using Dapper;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Sites;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveAnalytics.Reports;

/// <summary>A site's webhook as its settings show it: never the whole address, which is the channel's secret.</summary>
/// <param name="LastError">Null when the last post was taken, or none was made yet (<paramref name="LastAttempt"/> null).</param>
/// <param name="WeeklyReport">The last week's summary is posted every Monday morning.</param>
/// <param name="MonthlyReport">The last month's summary is posted on the 1st.</param>
public sealed record SiteWebhook(string UrlHint, int? TrafficAlert, int? SilenceHours, bool WeeklyReport, bool MonthlyReport,
    DateTimeOffset? LastAttempt, string? LastError);

/// <summary>
/// A site's webhook, set by its owners and admins: the site's traffic alert and tracking check posted to a chat channel
/// for the whole team (<see cref="WebhookAlerts"/>), with or without a mail server. The address is stored encrypted.
/// </summary>
public sealed class SiteWebhooks(NpgsqlDataSource db, SiteTeam team, WebhookSender sender, IDataProtectionProvider protection,
    IOptions<EmailOptions> email, TimeProvider time)
{
    private IDataProtector Protector => protection.CreateProtector("LiveAnalytics.Reports.WebhookUrl");

    public async Task<SiteWebhook?> GetAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<SiteWebhook>("""
            SELECT url_hint AS UrlHint, traffic_alert AS TrafficAlert, silence_alert_hours AS SilenceHours, weekly_report AS WeeklyReport,
                   monthly_report AS MonthlyReport, last_attempt AS LastAttempt, last_error AS LastError
            FROM site_webhooks WHERE site_id = @siteId
            """, new { siteId });
    }

    /// <param name="url">The address, or null to keep the saved one (the settings never show it back).</param>
    /// <returns>An error message, or null when saved.</returns>
    /// <param name="weeklyReport">Post the last week's summary every Monday; the first is for the week after this one began.</param>
    /// <param name="monthlyReport">The same for months, on the 1st.</param>
    public async Task<string?> SetAsync(Site site, Guid userId, string? url, int? trafficAlert, int? silenceHours, bool weeklyReport = false,
        bool monthlyReport = false)
    {
        if (trafficAlert is < 1 or > TrafficAlert.MaxThreshold) return $"Choose between 1 and {TrafficAlert.MaxThreshold:N0} visitors, or leave it empty.";
        if (silenceHours is < 1 or > SilenceAlert.MaxHours) return $"Choose between 1 and {SilenceAlert.MaxHours} hours, or leave it empty.";
        if (!string.IsNullOrWhiteSpace(url) && sender.Check(url) is { } invalid) return invalid;
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        var now = time.GetUtcNow();
        var (lastWeek, lastMonth) = (EmailReports.LastWhole(ReportPeriod.Week, now, site.Timezone), EmailReports.LastWhole(ReportPeriod.Month, now, site.Timezone));
        await using var conn = await db.OpenConnectionAsync();
        if (string.IsNullOrWhiteSpace(url))
        {
            // A new check starts a new count, as a member's does; an unchanged one keeps its state.
            var kept = await conn.ExecuteAsync("""
                UPDATE site_webhooks SET traffic_alert = @trafficAlert, silence_alert_hours = @silenceHours,
                    silence_alert_since = CASE WHEN silence_alert_hours IS DISTINCT FROM @silenceHours THEN @now ELSE silence_alert_since END,
                    silence_alert_sent = CASE WHEN silence_alert_hours IS DISTINCT FROM @silenceHours THEN NULL ELSE silence_alert_sent END,
                    weekly_report_sent = CASE WHEN @weeklyReport AND NOT weekly_report THEN @lastWeek ELSE weekly_report_sent END,
                    weekly_report = @weeklyReport,
                    monthly_report_sent = CASE WHEN @monthlyReport AND NOT monthly_report THEN @lastMonth ELSE monthly_report_sent END,
                    monthly_report = @monthlyReport
                WHERE site_id = @Id
                """, new { site.Id, trafficAlert, silenceHours, now, weeklyReport, lastWeek, monthlyReport, lastMonth });
            return kept == 1 ? null : "Enter the webhook's address, e.g. https://hooks.slack.com/services/….";
        }
        await conn.ExecuteAsync("""
            INSERT INTO site_webhooks (site_id, url, url_hint, traffic_alert, silence_alert_hours, silence_alert_since, weekly_report, weekly_report_sent,
                                       monthly_report, monthly_report_sent)
            VALUES (@Id, @url, @hint, @trafficAlert, @silenceHours, @now, @weeklyReport, @lastWeek, @monthlyReport, @lastMonth)
            ON CONFLICT (site_id) DO UPDATE SET url = excluded.url, url_hint = excluded.url_hint, traffic_alert = excluded.traffic_alert,
                silence_alert_hours = excluded.silence_alert_hours, silence_alert_since = excluded.silence_alert_since,
                silence_alert_sent = NULL, traffic_alert_sent = NULL, last_attempt = NULL, last_error = NULL,
                weekly_report = excluded.weekly_report, weekly_report_sent = excluded.weekly_report_sent,
                monthly_report = excluded.monthly_report, monthly_report_sent = excluded.monthly_report_sent
            """, new { site.Id, url = Protector.Protect(url.Trim()), hint = WebhookSender.Hint(url), trafficAlert, silenceHours, now, weeklyReport, lastWeek,
                       monthlyReport, lastMonth });
        return null;
    }

    /// <returns>An error message, or null when removed.</returns>
    public async Task<string?> RemoveAsync(Site site, Guid userId)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("DELETE FROM site_webhooks WHERE site_id = @Id", new { site.Id });
        return null;
    }

    /// <summary>Posts a test message now, and notes how it went, as an alert's post is noted.</summary>
    /// <returns>Null when the receiver took it, otherwise what went wrong.</returns>
    public async Task<string?> TestAsync(Site site, Guid userId, CancellationToken ct = default)
    {
        if (!await team.MayChangeSettingsAsync(site.Id, userId)) return SiteTeam.SettingsRefused;
        var url = await UrlAsync(site.Id);
        if (url is null) return "Save a webhook first.";
        return await PostAsync(site.Id, url, new WebhookMessage(
            $"Test from LiveAnalytics: {site.Domain}'s alerts will be posted here.", "test", site.Domain, Link: Link($"/sites/{site.Id}/settings")), ct);
    }

    /// <summary>The saved address in clear, or null when there is none or it can no longer be read.</summary>
    internal async Task<string?> UrlAsync(long siteId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var stored = await conn.ExecuteScalarAsync<string?>("SELECT url FROM site_webhooks WHERE site_id = @siteId", new { siteId });
        return stored is null ? null : Unprotect(stored);
    }

    /// <summary>Null when the Data Protection keys that encrypted it are gone (Redis lost them): it must be entered again.</summary>
    internal string? Unprotect(string stored)
    {
        try { return Protector.Unprotect(stored); }
        catch (System.Security.Cryptography.CryptographicException) { return null; }
    }

    internal async Task<string?> PostAsync(long siteId, string url, WebhookMessage message, CancellationToken ct)
    {
        var error = await sender.PostAsync(url, message, ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("UPDATE site_webhooks SET last_attempt = @now, last_error = @error WHERE site_id = @siteId",
            new { siteId, now = time.GetUtcNow(), error }, cancellationToken: ct));
        return error;
    }

    /// <summary>A link into the app for a message, when the operator set the app's public address (<c>Email:PublicBaseUrl</c>).</summary>
    internal string? Link(string path) => email.Value.PublicBaseUrl is { Length: > 0 } root ? root.TrimEnd('/') + path : null;
}
