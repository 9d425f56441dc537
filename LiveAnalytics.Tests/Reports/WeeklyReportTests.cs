using Bunit;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Persistence;
using LiveAnalytics.Reports;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Reports;

/// <summary>A member's weekly report: once a week from Monday 07:00 in the site's zone, last week against the one before.</summary>
public sealed class WeeklyReportTests : MailTest
{
    private static readonly DateTimeOffset Nov16 = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);   // a Monday
    private readonly FakeTimeProvider _clock = new(Nov16.AddDays(2));

    private WeeklyReport Reports => new(App.Get<NpgsqlDataSource>(), App.Get<RollupQueries>(), App.Get<LiveAnalytics.Dashboard.DashboardQueries>(),
        App.Get<LiveAnalytics.Dashboard.Funnels>(), App.Get<EmailSender>(), _clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<WeeklyReport>.Instance);

    [Fact]
    public async Task A_subscriber_gets_last_week_once_from_monday_morning()
    {
        var shop = await App.MerchantAsync();
        var quiet = await App.MemberAsync(shop, SiteTeam.Viewer);   // a member who did not ask for it
        var week = (DateTimeOffset at, int visitor, string path) => TestData.Event(shop.Site.Id, at, visitor, path);
        await App.Get<EventWriter>().WriteAsync([
            week(Nov16.AddDays(-6), 4, "/a"), week(Nov16.AddDays(-5), 5, "/a"),                                // the week before: 2
            week(Nov16.AddHours(10), 1, "/a"), week(Nov16.AddDays(2), 2, "/a"), week(Nov16.AddDays(6), 3, "/b"), // last week: 3
        ], mayBeRedelivered: false, CancellationToken.None);
        await App.RollUpAsync(shop.Site.Id);
        Assert.Null(await App.Get<LiveAnalytics.Dashboard.Goals>().AddAsync(shop.Site, shop.User.Id, LiveAnalytics.Dashboard.Goal.Page, "/b"));
        Assert.Null(await App.Get<LiveAnalytics.Dashboard.Funnels>().AddAsync(shop.Site, shop.User.Id, "A then B",
            [(LiveAnalytics.Dashboard.Goal.Page, "/a"), (LiveAnalytics.Dashboard.Goal.Page, "/b")]));

        Assert.True(await Reports.SetAsync(shop.Site.Id, shop.Site.Timezone, shop.User.Id, subscribed: true));   // on Wednesday
        Assert.False(await Reports.SetAsync(shop.Site.Id, shop.Site.Timezone, (await App.UserAsync()).Id, subscribed: true));   // not a member
        _clock.SetUtcNow(Nov16.AddDays(7).AddHours(6).AddMinutes(59));
        await Reports.SendDueAsync(shop.Site.Id, CancellationToken.None);
        Assert.Empty(Mail.Received);   // before Monday 07:00

        _clock.SetUtcNow(Nov16.AddDays(7).AddHours(7).AddMinutes(5));
        await Reports.SendDueAsync(shop.Site.Id, CancellationToken.None);
        await Reports.SendDueAsync(shop.Site.Id, CancellationToken.None);   // the next hour's run: sent already
        var mail = Assert.Single(Mail.Received);
        Assert.Equal(shop.User.Email, mail.ToAddresses.Single().Address);
        Assert.Equal($"{shop.Site.Domain}: 3 visitors in the week of 16 Nov", mail.Subject);
        var text = mail.MessageParts[0].BodyData;
        Assert.Contains("Mon 16 Nov to Sun 22 Nov 2026 (days in UTC)", text);
        Assert.Matches(@"Visitors\s+3\s+\+50%", text);
        Assert.Matches(@"Top pages:\r?\n\s+2\s+/a\r?\n\s+1\s+/b", text);
        Assert.Matches(@"Goals \(visitors who converted, and their share of all visitors\):\r?\n\s+1\s+33\.3%\s+Visit /b", text);
        // Visitors 1 and 2 saw /a last week; neither went on to /b in that visit (3 saw /b alone).
        Assert.Matches(@"Funnels \(visitors at each step, and their share of the first step's\):\r?\n\s+A then B: 2 → 0 \(0%\)", text);
        Assert.Contains($"{TestMailServer.PublicBaseUrl}/sites/{shop.Site.Id}/history?period=custom&from=2026-11-16&to=2026-11-22", text);
        Assert.DoesNotContain(Mail.Received, m => m.ToAddresses.Any(a => a.Address == quiet.Email));

        // The Monday after: the next week's report; unsubscribed: none.
        _clock.SetUtcNow(Nov16.AddDays(14).AddHours(8));
        await Reports.SendDueAsync(shop.Site.Id, CancellationToken.None);
        Assert.Equal(2, Mail.Received.Count);
        Assert.Single(Mail.Received, m => m.Subject.EndsWith(": 0 visitors in the week of 23 Nov"));   // the server keeps no order
        Assert.True(await Reports.SetAsync(shop.Site.Id, shop.Site.Timezone, shop.User.Id, subscribed: false));
        _clock.SetUtcNow(Nov16.AddDays(21).AddHours(8));
        await Reports.SendDueAsync(shop.Site.Id, CancellationToken.None);
        Assert.Equal(2, Mail.Received.Count);
    }

    [Fact]
    public async Task A_member_ticks_the_report_on_the_settings_page()
    {
        var shop = await App.MerchantAsync();
        var viewer = await App.MemberAsync(shop, SiteTeam.Viewer);
        await using var ctx = ComponentContext.For(App, viewer, typeof(WeeklyReport));
        var card = ctx.Render<WeeklyReportCard>(p => p.Add(c => c.Site, shop.Site));
        card.WaitForElement("[data-testid=weekly-report] input[type=checkbox]").Change(true);
        await WaitForAsync(() => App.Get<WeeklyReport>().IsSubscribedAsync(shop.Site.Id, viewer.Id), expected: true);
        card.Find("[data-testid=weekly-report] input[type=checkbox]").Change(false);
        await WaitForAsync(() => App.Get<WeeklyReport>().IsSubscribedAsync(shop.Site.Id, viewer.Id), expected: false);
    }

    private static async Task WaitForAsync(Func<Task<bool>> read, bool expected)
    {
        for (var i = 0; i < 100 && await read() != expected; i++) await Task.Delay(20);
        Assert.Equal(expected, await read());
    }

    [Theory]
    [InlineData("2026-11-23T06:00:00Z", "UTC", "2026-11-16")]
    [InlineData("2026-11-22T20:00:00Z", "Pacific/Auckland", "2026-11-16")]   // already Monday 09:00 there
    [InlineData("2026-11-23T10:00:00Z", "America/Los_Angeles", "2026-11-16")]   // Monday 02:00 there
    [InlineData("2026-11-29T23:00:00Z", "UTC", "2026-11-16")]   // Sunday: this week is not over
    public void Last_week_is_the_last_whole_one_in_the_sites_zone(string now, string zone, string monday) =>
        Assert.Equal(DateOnly.Parse(monday), WeeklyReport.LastWeek(DateTimeOffset.Parse(now), zone));
}
