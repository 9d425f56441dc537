using System.Text.RegularExpressions;
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

/// <summary>
/// A member's reports by mail: the weekly one once a week from Monday 07:00 in the site's zone, last week against the one
/// before; the monthly one from the 1st, last month against the one before.
/// </summary>
public sealed class EmailReportsTests : MailTest
{
    private static readonly DateTimeOffset Nov16 = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);   // a Monday
    private readonly FakeTimeProvider _clock = new(Nov16.AddDays(2));

    private EmailReports Reports => new(App.Get<NpgsqlDataSource>(), App.Get<RollupQueries>(), App.Get<LiveAnalytics.Dashboard.DashboardQueries>(),
        App.Get<LiveAnalytics.Dashboard.Funnels>(), App.Get<LiveAnalytics.Dashboard.Annotations>(), App.Get<EmailSender>(), _clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<EmailReports>.Instance);

    [Fact]
    public async Task A_subscriber_gets_last_week_once_from_monday_morning()
    {
        var shop = await App.MerchantAsync();
        var quiet = await App.MemberAsync(shop, SiteTeam.Viewer);   // a member who did not ask for it
        var week = (DateTimeOffset at, int visitor, string path) => TestData.Event(shop.Site.Id, at, visitor, path);
        await App.Get<EventWriter>().WriteAsync([
            week(Nov16.AddDays(-6), 4, "/a"), week(Nov16.AddDays(-5), 5, "/a"),                                // the week before: 2
            week(Nov16.AddHours(10), 1, "/a") with { Source = "Google", Medium = "search", Channel = "Organic Search" },  // last week: 3
            week(Nov16.AddDays(2), 2, "/a") with { Source = "Google", Medium = "search", Channel = "Organic Search" },
            week(Nov16.AddDays(6), 3, "/b"),                                                                      // stored before channels
        ], mayBeRedelivered: false, CancellationToken.None);
        await App.RollUpAsync(shop.Site.Id);
        Assert.Null(await App.Get<LiveAnalytics.Dashboard.Goals>().AddAsync(shop.Site, shop.User.Id, LiveAnalytics.Dashboard.Goal.Page, "/b"));
        Assert.Null(await App.Get<LiveAnalytics.Dashboard.Funnels>().AddAsync(shop.Site, shop.User.Id, "A then B",
            [(LiveAnalytics.Dashboard.Goal.Page, "/a"), (LiveAnalytics.Dashboard.Goal.Page, "/b")]));
        var notes = App.Get<LiveAnalytics.Dashboard.Annotations>();
        Assert.Null(await notes.AddAsync(shop.Site, shop.User.Id, DateOnly.FromDateTime(Nov16.AddDays(4).Date), "Black Friday sale started"));
        Assert.Null(await notes.AddAsync(shop.Site, shop.User.Id, DateOnly.FromDateTime(Nov16.AddDays(7).Date), "Not last week's"));

        Assert.True(await Reports.SetAsync(shop.Site.Id, shop.Site.Timezone, shop.User.Id, ReportPeriod.Week, subscribed: true));   // on Wednesday
        Assert.False(await Reports.SetAsync(shop.Site.Id, shop.Site.Timezone, (await App.UserAsync()).Id, ReportPeriod.Week, subscribed: true));   // not a member
        _clock.SetUtcNow(Nov16.AddDays(7).AddHours(6).AddMinutes(59));
        await Reports.SendDueAsync(ReportPeriod.Week, shop.Site.Id, CancellationToken.None);
        Assert.Empty(Mail.Received);   // before Monday 07:00

        _clock.SetUtcNow(Nov16.AddDays(7).AddHours(7).AddMinutes(5));
        await Reports.SendDueAsync(ReportPeriod.Week, shop.Site.Id, CancellationToken.None);
        await Reports.SendDueAsync(ReportPeriod.Week, shop.Site.Id, CancellationToken.None);   // the next hour's run: sent already
        var mail = Assert.Single(Mail.Received);
        Assert.Equal(shop.User.Email, mail.ToAddresses.Single().Address);
        Assert.Equal($"{shop.Site.Domain}: 3 visitors in the week of 16 Nov", mail.Subject);
        var text = mail.MessageParts[0].BodyData;
        Assert.Contains("Mon 16 Nov to Sun 22 Nov 2026 (days in UTC)", text);
        Assert.Matches(@"Visitors\s+3\s+\+50%", text);
        Assert.Matches(@"Bounce rate\s+100%\s+0 pts", text);   // every visit one page, both weeks: in points, as on the dashboard
        Assert.Matches(@"Top pages:\r?\n\s+2\s+/a\r?\n\s+1\s+/b", text);
        Assert.Matches(@"Top sources:\r?\n\s+2\s+Google\r?\n\s+1\s+Direct / None", text);
        Assert.Matches(@"Channels:\r?\n\s+2\s+Organic Search\r?\n\s+1\s+\(not set\)", text);
        Assert.DoesNotContain("Revenue", text);   // nothing sold: no revenue line, no sources by revenue
        Assert.Matches(@"Goals \(visitors who converted, and their share of all visitors\):\r?\n\s+1\s+33\.3%\s+Visit /b", text);
        // Visitors 1 and 2 saw /a last week; neither went on to /b in that visit (3 saw /b alone).
        Assert.Matches(@"Funnels \(visitors at each step, and their share of the first step's\):\r?\n\s+A then B: 2 → 0 \(0%\)", text);
        Assert.Matches($@"Annotations:\r?\n  Fri 20 Nov  Black Friday sale started \({Regex.Escape(shop.User.Email!)}\)\r?\n\r?\nThe week on the dashboard", text);
        Assert.DoesNotContain("Not last week's", text);
        Assert.Contains($"{TestMailServer.PublicBaseUrl}/sites/{shop.Site.Id}/history?period=custom&from=2026-11-16&to=2026-11-22", text);
        Assert.DoesNotContain(Mail.Received, m => m.ToAddresses.Any(a => a.Address == quiet.Email));

        // The Monday after: the next week's report; unsubscribed: none.
        _clock.SetUtcNow(Nov16.AddDays(14).AddHours(8));
        await Reports.SendDueAsync(ReportPeriod.Week, shop.Site.Id, CancellationToken.None);
        Assert.Equal(2, Mail.Received.Count);
        Assert.Single(Mail.Received, m => m.Subject.EndsWith(": 0 visitors in the week of 23 Nov"));   // the server keeps no order
        Assert.True(await Reports.SetAsync(shop.Site.Id, shop.Site.Timezone, shop.User.Id, ReportPeriod.Week, subscribed: false));
        _clock.SetUtcNow(Nov16.AddDays(21).AddHours(8));
        await Reports.SendDueAsync(ReportPeriod.Week, shop.Site.Id, CancellationToken.None);
        Assert.Equal(2, Mail.Received.Count);
    }

    [Fact]
    public async Task A_subscriber_gets_last_month_once_from_the_first_and_not_the_weekly_one()
    {
        var shop = await App.MerchantAsync();
        var oct1 = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        await App.Get<EventWriter>().WriteAsync([
            TestData.Event(shop.Site.Id, oct1.AddDays(3), 1, "/a"),                                          // October: 1
            TestData.Event(shop.Site.Id, Nov16, 2, "/a"), TestData.Event(shop.Site.Id, Nov16.AddDays(13), 3, "/b"), // November: 2
            TestData.Event(shop.Site.Id, Nov16.AddDays(13).AddMinutes(1), 3, "/checkout", "Purchase") with { RevenueAmount = 80m, RevenueCurrency = "EUR" },
        ], mayBeRedelivered: false, CancellationToken.None);
        await App.RollUpAsync(shop.Site.Id);
        Assert.True(await Reports.SetAsync(shop.Site.Id, shop.Site.Timezone, shop.User.Id, ReportPeriod.Month, subscribed: true));   // 18 Nov

        _clock.SetUtcNow(Nov16.AddDays(7).AddHours(8));   // a Monday: no weekly report was asked for
        await Reports.SendDueAsync(ReportPeriod.Week, shop.Site.Id, CancellationToken.None);
        await Reports.SendDueAsync(ReportPeriod.Month, shop.Site.Id, CancellationToken.None);   // November is not over
        Assert.Empty(Mail.Received);

        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 7, 5, 0, TimeSpan.Zero));
        await Reports.SendDueAsync(ReportPeriod.Month, shop.Site.Id, CancellationToken.None);
        await Reports.SendDueAsync(ReportPeriod.Month, shop.Site.Id, CancellationToken.None);   // the next hour's run: sent already
        var mail = Assert.Single(Mail.Received);
        Assert.Equal($"{shop.Site.Domain}: 2 visitors in November 2026", mail.Subject);
        var text = mail.MessageParts[0].BodyData;
        Assert.Contains("Sun 1 Nov to Mon 30 Nov 2026 (days in UTC), against the month before:", text);
        Assert.Matches(@"Visitors\s+2\s+\+100%", text);
        Assert.Matches(@"Revenue\s+80\.00\s+new", text);
        // What sold: the one buyer came direct (sources that sold nothing are not listed).
        Assert.Matches(@"Revenue by source, what each source's visits bought:\r?\n\s+80\.00  Direct / None\r?\n\r?\n", text);
        Assert.Contains($"{TestMailServer.PublicBaseUrl}/sites/{shop.Site.Id}/history?period=custom&from=2026-11-01&to=2026-11-30", text);
        Assert.Contains("The month on the dashboard:", text);
    }

    [Fact]
    public async Task A_member_ticks_the_report_on_the_settings_page()
    {
        var shop = await App.MerchantAsync();
        var viewer = await App.MemberAsync(shop, SiteTeam.Viewer);
        await using var ctx = ComponentContext.For(App, viewer, typeof(EmailReports));
        var card = ctx.Render<EmailReportsCard>(p => p.Add(c => c.Site, shop.Site));
        var reports = App.Get<EmailReports>();
        // The weekly box first, the monthly one second.
        card.WaitForElement("[data-testid=email-reports] input[type=checkbox]").Change(true);
        await WaitForAsync(() => reports.IsSubscribedAsync(shop.Site.Id, viewer.Id, ReportPeriod.Week), expected: true);
        card.FindAll("[data-testid=email-reports] input[type=checkbox]")[1].Change(true);
        await WaitForAsync(() => reports.IsSubscribedAsync(shop.Site.Id, viewer.Id, ReportPeriod.Month), expected: true);
        card.FindAll("[data-testid=email-reports] input[type=checkbox]")[0].Change(false);
        await WaitForAsync(() => reports.IsSubscribedAsync(shop.Site.Id, viewer.Id, ReportPeriod.Week), expected: false);
        Assert.True(await reports.IsSubscribedAsync(shop.Site.Id, viewer.Id, ReportPeriod.Month));   // each on its own
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
        Assert.Equal(DateOnly.Parse(monday), EmailReports.LastWhole(ReportPeriod.Week, DateTimeOffset.Parse(now), zone));

    [Theory]
    [InlineData("2026-12-01T06:00:00Z", "UTC", "2026-11-01")]
    [InlineData("2026-11-30T20:00:00Z", "Pacific/Auckland", "2026-11-01")]   // already 1 Dec there
    [InlineData("2026-12-01T05:00:00Z", "America/Los_Angeles", "2026-10-01")]   // still 30 Nov there
    [InlineData("2027-01-01T12:00:00Z", "UTC", "2026-12-01")]
    public void Last_month_is_the_last_whole_one_in_the_sites_zone(string now, string zone, string first) =>
        Assert.Equal(DateOnly.Parse(first), EmailReports.LastWhole(ReportPeriod.Month, DateTimeOffset.Parse(now), zone));
}
