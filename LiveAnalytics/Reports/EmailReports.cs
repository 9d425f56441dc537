using Dapper;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Stats;
using Npgsql;

namespace LiveAnalytics.Reports;

/// <summary>
/// The weekly and monthly reports by mail, for members who ask for them on the site's settings page: the last whole week
/// (Monday to Sunday) or month in the site's time zone, from the rollups, against the one before, its top pages and sources,
/// its goals and funnels, the team's annotations of its days, and a link to it on the history dashboard. An hourly job sends each member's report once a
/// period, from 07:00 on its first day after it (Monday, the 1st) in the site's zone; one missed while no node ran jobs
/// goes out at the next run.
/// </summary>
public sealed class EmailReports(NpgsqlDataSource db, RollupQueries rollups, Dashboard.DashboardQueries dashboard, Dashboard.Funnels funnels,
    Dashboard.Annotations annotations, EmailSender email, TimeProvider time, ILogger<EmailReports> logger)
{
    /// <summary>The local time of its first day from which a period's report goes out.</summary>
    internal static readonly TimeSpan SendFrom = TimeSpan.FromHours(7);

    public bool Enabled => email.Enabled;

    // The columns are named by ReportPeriod's two constants, never by input.
    public async Task<bool> IsSubscribedAsync(long siteId, Guid userId, ReportPeriod period)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>(
            $"SELECT coalesce((SELECT {period.Column} FROM site_members WHERE site_id = @siteId AND user_id = @userId), false)", new { siteId, userId });
    }

    /// <summary>Any member asks for their own report (or stops it). The first goes out for the period after the current one's start.</summary>
    /// <returns>False when the user is not a member of the site.</returns>
    public async Task<bool> SetAsync(long siteId, string timezone, Guid userId, ReportPeriod period, bool subscribed)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteAsync($"""
            UPDATE site_members SET {period.Column} = @subscribed,
                {period.Column}_sent = CASE WHEN @subscribed THEN @lastWhole ELSE {period.Column}_sent END
            WHERE site_id = @siteId AND user_id = @userId
            """, new { siteId, userId, subscribed, lastWhole = LastWhole(period, time.GetUtcNow(), timezone) }) == 1;
    }

    /// <summary>The jobs: every due report.</summary>
    [Hangfire.DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task SendWeeklyAsync(CancellationToken ct) => SendDueAsync(ReportPeriod.Week, siteId: null, ct);

    [Hangfire.DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task SendMonthlyAsync(CancellationToken ct) => SendDueAsync(ReportPeriod.Month, siteId: null, ct);

    /// <param name="siteId">Only this site's (tests share one database).</param>
    internal async Task SendDueAsync(ReportPeriod period, long? siteId, CancellationToken ct)
    {
        if (!email.Enabled) return;
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        var subscribers = await conn.QueryAsync<Subscriber>(new CommandDefinition($"""
            SELECT m.site_id AS SiteId, m.user_id AS UserId, u.email AS Email, s.domain AS Domain, s.timezone AS Timezone,
                   s.revenue_currency AS Currency, m.{period.Column}_sent AS Sent
            FROM site_members m JOIN users u ON u.id = m.user_id JOIN sites s ON s.id = m.site_id
            WHERE m.{period.Column} AND (@siteId::bigint IS NULL OR m.site_id = @siteId)
            """, new { siteId }, cancellationToken: ct));
        // Every member of a site gets the same report: composed once a run (its funnels read the period's raw events).
        var composed = new Dictionary<(long, DateOnly), (string Subject, string Text)>();
        foreach (var s in subscribers)
        {
            var first = LastWhole(period, now, s.Timezone);
            var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(s.Timezone));
            if (s.Sent >= first || local.DateTime < period.Next(first).ToDateTime(TimeOnly.MinValue) + SendFrom) continue;
            if (!composed.TryGetValue((s.SiteId, first), out var report))
                composed[(s.SiteId, first)] = report = await ComposeAsync(period, s.SiteId, s.Domain, s.Timezone, s.Currency, first);
            var (subject, text) = report;
            // One mailbox refusing must not hold back everyone else's report: this one is tried again next hour.
            if (!await email.TrySendAsync(s.Email, subject, text, ct)) continue;
            await conn.ExecuteAsync(new CommandDefinition(
                $"UPDATE site_members SET {period.Column}_sent = @first WHERE site_id = @SiteId AND user_id = @UserId",
                new { first, s.SiteId, s.UserId }, cancellationToken: ct));
        }
    }

    internal async Task<(string Subject, string Text)> ComposeAsync(ReportPeriod period, long siteId, string domain, string timezone, string? currency, DateOnly first)
    {
        var figures = await ReportFigures.ReadAsync(rollups, period, siteId, first, top: 5, revenueSources: true);
        var (last, counts) = (figures.Last, figures.Counts);
        var goals = await dashboard.GoalsAsync(siteId, first, last);
        var funnelCounts = await FunnelsAsync(period, siteId, timezone, first, last);
        var link = $"{email.Link($"/sites/{siteId}/history")}?period=custom&from={first:yyyy-MM-dd}&to={last:yyyy-MM-dd}";
        var subject = $"{domain}: {Dashboard.MetricFormat.Count(counts.Visitors)} visitors in {period.Name(first)}";
        var notes = await annotations.ListAsync(siteId, first, last);
        var text = ReportText.Write(period, domain, timezone, currency, figures, goals, funnelCounts, notes, link);
        return (subject, text);
    }

    /// <summary>The site's funnels over the period; one that could not be counted (a very busy store's month outlasting
    /// the command timeout) is listed without numbers rather than holding back the report.</summary>
    private async Task<IReadOnlyList<(Dashboard.Funnel Funnel, IReadOnlyList<long>? Visitors)>> FunnelsAsync(
        ReportPeriod period, long siteId, string timezone, DateOnly first, DateOnly last)
    {
        var counted = new List<(Dashboard.Funnel, IReadOnlyList<long>?)>();
        foreach (var funnel in await funnels.ListAsync(siteId))
            try
            {
                counted.Add((funnel, await funnels.CountAsync(siteId, timezone, funnel, first, last)));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(ex, "Counting funnel {FunnelId} of site {SiteId} for the {Period} report failed", funnel.Id, siteId, period.Key);
                counted.Add((funnel, null));
            }
        return counted;
    }

    /// <summary>The first day of the last whole week or month in the zone.</summary>
    internal static DateOnly LastWhole(ReportPeriod period, DateTimeOffset now, string timezone) =>
        period.LastWhole(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(timezone)).DateTime));

    private sealed record Subscriber(long SiteId, Guid UserId, string Email, string Domain, string Timezone, string? Currency, DateOnly? Sent);
}
