using Dapper;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Reports;

/// <summary>
/// The weekly report by mail, for members who ask for it on the site's settings page: last week's figures (Monday to
/// Sunday in the site's time zone, from the rollups) against the week before, its top pages and sources, and a link
/// to the week on the history dashboard, its goals and funnels. An hourly job sends each member's report once a week, from Monday 07:00 in
/// the site's zone; a week missed while no node ran jobs goes out at the next run.
/// </summary>
public sealed class WeeklyReport(NpgsqlDataSource db, RollupQueries rollups, Dashboard.DashboardQueries dashboard, Dashboard.Funnels funnels,
    EmailSender email, TimeProvider time, ILogger<WeeklyReport> logger)
{
    private static readonly TimeSpan SendFrom = TimeSpan.FromHours(7);

    public bool Enabled => email.Enabled;

    public async Task<bool> IsSubscribedAsync(long siteId, Guid userId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>(
            "SELECT coalesce((SELECT weekly_report FROM site_members WHERE site_id = @siteId AND user_id = @userId), false)", new { siteId, userId });
    }

    /// <summary>Any member asks for their own report (or stops it). The first goes out for the week after this one's start.</summary>
    /// <returns>False when the user is not a member of the site.</returns>
    public async Task<bool> SetAsync(long siteId, string timezone, Guid userId, bool subscribed)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteAsync("""
            UPDATE site_members SET weekly_report = @subscribed, weekly_report_sent = CASE WHEN @subscribed THEN @lastWeek ELSE weekly_report_sent END
            WHERE site_id = @siteId AND user_id = @userId
            """, new { siteId, userId, subscribed, lastWeek = LastWeek(time.GetUtcNow(), timezone) }) == 1;
    }

    /// <summary>The job: every due report.</summary>
    [Hangfire.DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task SendDueAsync(CancellationToken ct) => SendDueAsync(siteId: null, ct);

    /// <param name="siteId">Only this site's (tests share one database).</param>
    internal async Task SendDueAsync(long? siteId, CancellationToken ct)
    {
        if (!email.Enabled) return;
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var subscribers = await conn.QueryAsync<Subscriber>(new CommandDefinition("""
            SELECT m.site_id AS SiteId, m.user_id AS UserId, u.email AS Email, s.domain AS Domain, s.timezone AS Timezone,
                   s.revenue_currency AS Currency, m.weekly_report_sent AS Sent
            FROM site_members m JOIN users u ON u.id = m.user_id JOIN sites s ON s.id = m.site_id
            WHERE m.weekly_report AND (@siteId::bigint IS NULL OR m.site_id = @siteId)
            """, new { siteId }, cancellationToken: ct));
        // Every member of a site gets the same report: composed once a run (its funnels read the week's raw events).
        var composed = new Dictionary<(long, DateOnly), (string Subject, string Text)>();
        foreach (var s in subscribers)
        {
            var week = LastWeek(now, s.Timezone);
            var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(s.Timezone));
            if (s.Sent >= week || local.DateTime < week.AddDays(7).ToDateTime(TimeOnly.MinValue) + SendFrom) continue;
            if (!composed.TryGetValue((s.SiteId, week), out var report))
                composed[(s.SiteId, week)] = report = await ComposeAsync(s.SiteId, s.Domain, s.Timezone, s.Currency, week);
            var (subject, text) = report;
            // One mailbox refusing must not hold back everyone else's report: this one is tried again next hour.
            if (!await email.TrySendAsync(s.Email, subject, text, ct)) continue;
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE site_members SET weekly_report_sent = @week WHERE site_id = @SiteId AND user_id = @UserId",
                new { week, s.SiteId, s.UserId }, cancellationToken: ct));
        }
    }

    internal async Task<(string Subject, string Text)> ComposeAsync(long siteId, string domain, string timezone, string? currency, DateOnly monday)
    {
        var sunday = monday.AddDays(6);
        var week = await rollups.AggregateAsync(siteId, monday, sunday);
        var before = await rollups.AggregateAsync(siteId, monday.AddDays(-7), sunday.AddDays(-7));
        var pages = await rollups.TopAsync(siteId, monday, sunday, "page", 5);
        var sources = await rollups.TopAsync(siteId, monday, sunday, "source", 5);
        var goals = await dashboard.GoalsAsync(siteId, monday, sunday);
        var funnelCounts = await FunnelsAsync(siteId, timezone, monday);
        var link = $"{email.Link($"/sites/{siteId}/history")}?period=custom&from={monday:yyyy-MM-dd}&to={sunday:yyyy-MM-dd}";
        var subject = $"{domain}: {Dashboard.MetricFormat.Count(week.Visitors)} visitors in the week of {monday:d MMM}";
        var text = ReportText.Write(domain, timezone, currency, monday, week, before, pages, sources, goals, funnelCounts, link);
        return (subject, text);
    }

    /// <summary>The site's funnels over the week; one that could not be counted (a very busy store's week outlasting
    /// the command timeout) is listed without numbers rather than holding back the report.</summary>
    private async Task<IReadOnlyList<(Dashboard.Funnel Funnel, IReadOnlyList<long>? Visitors)>> FunnelsAsync(long siteId, string timezone, DateOnly monday)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timezone);
        var (from, to) = (StatsPeriod.StartOfDay(monday, zone), StatsPeriod.StartOfDay(monday.AddDays(7), zone));
        var counted = new List<(Dashboard.Funnel, IReadOnlyList<long>?)>();
        foreach (var funnel in await funnels.ListAsync(siteId))
            try
            {
                counted.Add((funnel, await funnels.CountAsync(siteId, funnel, from, to)));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(ex, "Counting funnel {FunnelId} of site {SiteId} for the weekly report failed", funnel.Id, siteId);
                counted.Add((funnel, null));
            }
        return counted;
    }

    /// <summary>The Monday of the last whole week in the zone.</summary>
    internal static DateOnly LastWeek(DateTimeOffset now, string timezone)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(timezone)).DateTime);
        return today.AddDays(-(((int)today.DayOfWeek + 6) % 7) - 7);
    }

    private sealed record Subscriber(long SiteId, Guid UserId, string Email, string Domain, string Timezone, string? Currency, DateOnly? Sent);
}
