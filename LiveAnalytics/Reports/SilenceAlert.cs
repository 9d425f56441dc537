using Dapper;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Ingestion;
using Npgsql;

namespace LiveAnalytics.Reports;

/// <summary>
/// A member's tracking check: a mail when the site has had no pageviews for their number of hours. A store's theme update
/// or a new page template that drops the snippet loses every visit from then on without a sound; this is the sound. One
/// mail per quiet spell: the next comes only after pageviews came back and stopped again. A job every 5 minutes.
/// </summary>
public sealed class SilenceAlert(NpgsqlDataSource db, EmailSender email, TimeProvider time)
{
    public const int MaxHours = 168;

    public bool Enabled => email.Enabled;

    public async Task<int?> HoursAsync(long siteId, Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int?>("SELECT silence_alert_hours FROM site_members WHERE site_id = @siteId AND user_id = @userId", new { siteId, userId });
    }

    /// <param name="hours">Hours without a pageview that trigger a mail, or null for none.</param>
    /// <returns>An error message, or null when saved.</returns>
    public async Task<string?> SetAsync(long siteId, Guid userId, int? hours)
    {
        if (hours is < 1 or > MaxHours) return $"Choose between 1 and {MaxHours} hours (a week), or leave it empty for no check.";
        await using var conn = await db.OpenConnectionAsync();
        // A new setting starts a new count: a site without pageviews yet is silent from now, not since it was made.
        var saved = await conn.ExecuteAsync("""
            UPDATE site_members SET silence_alert_hours = @hours, silence_alert_since = @now, silence_alert_sent = NULL
            WHERE site_id = @siteId AND user_id = @userId
            """, new { siteId, userId, hours, now = time.GetUtcNow() });
        return saved == 1 ? null : "You are not a member of this site.";
    }

    /// <summary>The job: mails every member whose site has been without pageviews for their hours, once a spell.</summary>
    [Hangfire.DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task CheckAsync(CancellationToken ct) => CheckAsync(siteId: null, ct);

    /// <param name="siteId">Only this site's checks (tests share one database).</param>
    internal async Task CheckAsync(long? siteId, CancellationToken ct)
    {
        if (!email.Enabled) return;
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var checks = await conn.QueryAsync<Check>(new CommandDefinition($"""
            SELECT m.site_id AS SiteId, m.user_id AS UserId, u.email AS Email, s.domain AS Domain, s.timezone AS Timezone,
                   m.silence_alert_hours AS Hours, m.silence_alert_since AS Since
            FROM site_members m JOIN users u ON u.id = m.user_id JOIN sites s ON s.id = m.site_id
            WHERE (@siteId::bigint IS NULL OR m.site_id = @siteId) AND {Quiet("m")}
            """, new { siteId, now, pageview = TrackedEvent.Pageview }, cancellationToken: ct));
        foreach (var check in checks)
        {
            var quietSince = await QuietSinceAsync(conn, check.SiteId, check.Since, now, ct);
            var hours = (int)(now - quietSince).TotalHours;
            if (!await email.TrySendAsync(check.Email, $"{check.Domain}: no pageviews for {Hours(hours)}", Text(check, quietSince), ct))
                continue;
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE site_members SET silence_alert_sent = @now WHERE site_id = @SiteId AND user_id = @UserId",
                new { now, check.SiteId, check.UserId }, cancellationToken: ct));
        }
    }

    private string Text(Check check, DateTimeOffset quietSince)
    {
        var local = Live.LiveClock.For(check.Timezone).Format(quietSince, "ddd d MMM yyyy HH:mm");
        return $"""
            {check.Domain} has had no pageviews since {local} ({check.Timezone}){(quietSince == check.Since ? ", when you set this check" : "")}.
            Your check: {Hours(check.Hours)}.

            If the store is open, its pages may have lost the tracking snippet (a theme update, a new page template, a
            cookie banner that blocks it) or name another domain. The site's page shows the snippet to paste into every
            page's <head>:
            {email.Link($"/sites/{check.SiteId}")}

            One mail per quiet spell: the next comes after pageviews came back and stopped again. Change or remove the
            check on the site's settings page.
            """;
    }

    internal static string Hours(int n) => n == 1 ? "1 hour" : $"{n} hours";

    /// <summary>
    /// The condition on a row (<paramref name="alias"/>: a member's or a site webhook's, with the same silence_alert_*
    /// columns) of a check that is due, for @now and @pageview. Quiet: the check is at least its hours old and no pageview
    /// came within them. Not yet told: nothing sent since the check was set, or pageviews came after the last one (that
    /// spell ended, this is a new one). Each look reads the (site_id, ts) index from a bound on: a busy site's first row
    /// after it is a pageview, a quiet one has few rows.
    /// </summary>
    internal static string Quiet(string alias) => $"""
        {alias}.silence_alert_hours IS NOT NULL
        AND {alias}.silence_alert_since <= @now - make_interval(hours => {alias}.silence_alert_hours)
        AND NOT EXISTS (SELECT 1 FROM events e WHERE e.site_id = {alias}.site_id AND e.name = @pageview
                        AND e.ts > @now - make_interval(hours => {alias}.silence_alert_hours))
        AND ({alias}.silence_alert_sent IS NULL
             OR EXISTS (SELECT 1 FROM events e WHERE e.site_id = {alias}.site_id AND e.name = @pageview AND e.ts > {alias}.silence_alert_sent))
        """;

    /// <summary>When the spell began: the last pageview (looked for over a month), or the check's start if later.</summary>
    internal static async Task<DateTimeOffset> QuietSinceAsync(NpgsqlConnection conn, long siteId, DateTimeOffset since, DateTimeOffset now, CancellationToken ct)
    {
        var last = await conn.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition("""
            SELECT ts FROM events WHERE site_id = @siteId AND name = @pageview AND ts > @monthAgo ORDER BY ts DESC LIMIT 1
            """, new { siteId, pageview = TrackedEvent.Pageview, monthAgo = now.AddDays(-31) }, cancellationToken: ct));
        return last > since ? last.Value : since;
    }

    private sealed record Check(long SiteId, Guid UserId, string Email, string Domain, string Timezone, int Hours, DateTimeOffset Since);
}
