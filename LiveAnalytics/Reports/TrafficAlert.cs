using System.Text;
using Dapper;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Live;
using Npgsql;

namespace LiveAnalytics.Reports;

/// <summary>
/// A member's traffic alert: a mail when at least their number of visitors are online on the site (a sale taking off,
/// a post going viral), with the pages they are on and where they came from. A job every 30 seconds compares every
/// alert with the live numbers, which every node holds alike; a member gets at most one mail in <see cref="Quiet"/>.
/// </summary>
public sealed class TrafficAlert(NpgsqlDataSource db, EventHub hub, EmailSender email, TimeProvider time)
{
    public static readonly TimeSpan Quiet = TimeSpan.FromHours(12);
    public const int MaxThreshold = 1_000_000;

    public bool Enabled => email.Enabled;

    public async Task<int?> ThresholdAsync(long siteId, Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int?>("SELECT traffic_alert FROM site_members WHERE site_id = @siteId AND user_id = @userId", new { siteId, userId });
    }

    /// <param name="threshold">Visitors online that trigger a mail, or null for none.</param>
    /// <returns>An error message, or null when saved.</returns>
    public async Task<string?> SetAsync(long siteId, Guid userId, int? threshold)
    {
        if (threshold is < 1 or > MaxThreshold) return $"Choose between 1 and {MaxThreshold:N0} visitors, or leave it empty for no alert.";
        await using var conn = await db.OpenConnectionAsync();
        var saved = await conn.ExecuteAsync("UPDATE site_members SET traffic_alert = @threshold WHERE site_id = @siteId AND user_id = @userId",
            new { siteId, userId, threshold });
        return saved == 1 ? null : "You are not a member of this site.";
    }

    /// <summary>The job: mails every alert whose number is reached and that was quiet long enough.</summary>
    [Hangfire.DisableConcurrentExecution(timeoutInSeconds: 30)]
    public Task CheckAsync(CancellationToken ct) => CheckAsync(siteId: null, ct);

    /// <param name="siteId">Only this site's alerts (tests share one database).</param>
    internal async Task CheckAsync(long? siteId, CancellationToken ct)
    {
        if (!email.Enabled) return;
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var alerts = await conn.QueryAsync<Alert>(new CommandDefinition("""
            SELECT m.site_id AS SiteId, m.user_id AS UserId, u.email AS Email, s.domain AS Domain, m.traffic_alert AS Threshold
            FROM site_members m JOIN users u ON u.id = m.user_id JOIN sites s ON s.id = m.site_id
            WHERE m.traffic_alert IS NOT NULL AND (m.traffic_alert_sent IS NULL OR m.traffic_alert_sent <= @quietSince)
              AND (@siteId::bigint IS NULL OR m.site_id = @siteId)
            """, new { quietSince = now - Quiet, siteId }, cancellationToken: ct));
        foreach (var alert in alerts)
        {
            var live = hub.Snapshot(alert.SiteId);
            if (live.VisitorsOnline < alert.Threshold) continue;
            if (!await email.TrySendAsync(alert.Email, $"{alert.Domain}: {live.VisitorsOnline} visitors online now", Text(alert, live), ct))
                continue;
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE site_members SET traffic_alert_sent = @now WHERE site_id = @SiteId AND user_id = @UserId",
                new { now, alert.SiteId, alert.UserId }, cancellationToken: ct));
        }
    }

    private string Text(Alert alert, LiveSnapshot live)
    {
        var text = new StringBuilder();
        text.AppendLine($"{live.VisitorsOnline} visitors are on {alert.Domain} right now (your alert: {alert.Threshold}).");
        Top(text, "They are looking at", live.Pages);
        Top(text, "They came from", live.Sources);
        text.AppendLine();
        text.AppendLine($"Watch them live: {email.Link($"/sites/{alert.SiteId}")}");
        text.AppendLine();
        text.AppendLine($"At most one such mail in {Quiet.TotalHours:0} hours. Change or remove the alert on the site's settings page.");
        return text.ToString();
    }

    private static void Top(StringBuilder text, string title, IReadOnlyList<RankedCount> rows)
    {
        if (rows.Count == 0) return;
        text.AppendLine();
        text.AppendLine($"{title}:");
        foreach (var row in rows.Take(5)) text.AppendLine($"  {row.Visitors,6}  {row.Value}");
    }

    private sealed record Alert(long SiteId, Guid UserId, string Email, string Domain, int Threshold);
}
