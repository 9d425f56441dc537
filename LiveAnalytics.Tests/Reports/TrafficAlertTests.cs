using System.Net;
using Bunit;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Live;
using LiveAnalytics.Reports;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Reports;

/// <summary>A member's traffic alert: a mail once the live view has their number of visitors online, then quiet for 12 hours.</summary>
public sealed class TrafficAlertTests : MailTest
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    private TrafficAlert Alerts => new(App.Get<NpgsqlDataSource>(), App.Get<EventHub>(), App.Get<EmailSender>(), _clock);

    [Fact]
    public async Task A_member_is_mailed_when_their_number_of_visitors_is_online_then_not_for_12_hours()
    {
        var shop = await App.MerchantAsync();
        var colleague = await App.MemberAsync(shop, SiteTeam.Viewer);
        Assert.Null(await Alerts.SetAsync(shop.Site.Id, shop.User.Id, 3));
        Assert.Null(await Alerts.SetAsync(shop.Site.Id, colleague.Id, 10));   // not reached
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Empty(Mail.Received);   // nobody online yet
        var client = App.CreateClient();
        foreach (var (n, path) in new[] { (1, "/sale"), (2, "/sale"), (3, "/products/hat") })
        {
            using var response = await client.SendAsync(TestData.Pageview(shop.Site.Domain, path, TestData.Browser(n)));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        await App.Get<EventHub>().WaitForAsync(shop.Site.Id, s => s.VisitorsOnline == 3);

        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);   // the next check, 30 s on: quiet
        var mail = Assert.Single(Mail.Received);
        Assert.Equal(shop.User.Email, mail.ToAddresses.Single().Address);
        Assert.Equal($"{shop.Site.Domain}: 3 visitors online now", mail.Subject);
        var text = mail.MessageParts[0].BodyData;
        Assert.Contains("(your alert: 3)", text);
        Assert.Matches(@"They are looking at:\r?\n\s+2\s+/sale\r?\n\s+1\s+/products/hat", text);
        Assert.Contains($"{TestMailServer.PublicBaseUrl}/sites/{shop.Site.Id}", text);

        _clock.Advance(TrafficAlert.Quiet);
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Equal(2, Mail.Received.Count);
        Assert.All(Mail.Received, m => Assert.Equal(shop.User.Email, m.ToAddresses.Single().Address));
    }

    [Fact]
    public async Task Thresholds_are_checked_and_a_member_clears_theirs_on_the_settings_page()
    {
        var shop = await App.MerchantAsync();
        Assert.Contains("between 1 and", await Alerts.SetAsync(shop.Site.Id, shop.User.Id, 0));
        Assert.Equal("You are not a member of this site.", await Alerts.SetAsync(shop.Site.Id, (await App.UserAsync()).Id, 5));

        await using var ctx = ComponentContext.For(App, shop.User, typeof(TrafficAlert));
        var card = ctx.Render<TrafficAlertCard>(p => p.Add(c => c.Site, shop.Site));
        AlertCards.Save(card, "traffic-alert", "1200", "You get a mail when 1,200 or more visitors are online.");
        Assert.Equal(1200, await Alerts.ThresholdAsync(shop.Site.Id, shop.User.Id));
        AlertCards.Save(card, "traffic-alert", "", "No alert.");
        Assert.Null(await Alerts.ThresholdAsync(shop.Site.Id, shop.User.Id));
    }
}
