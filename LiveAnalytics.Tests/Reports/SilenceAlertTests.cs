using Bunit;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Reports;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Reports;

/// <summary>A member's tracking check: a mail when the site has gone without pageviews for their hours, once a quiet spell.</summary>
public sealed class SilenceAlertTests : MailTest
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    private SilenceAlert Checks => new(App.Get<NpgsqlDataSource>(), App.Get<EmailSender>(), _clock);

    private Task PageviewAsync(long siteId, string name = TrackedEvent.Pageview) =>
        App.Get<EventWriter>().WriteAsync([TestData.Event(siteId, _clock.GetUtcNow(), 1, "/", name)], mayBeRedelivered: false, CancellationToken.None);

    [Fact]
    public async Task A_member_is_mailed_once_a_quiet_spell_when_pageviews_stop()
    {
        var shop = await App.MerchantAsync();
        var colleague = await App.MemberAsync(shop, SiteTeam.Viewer);
        await PageviewAsync(shop.Site.Id);
        Assert.Null(await Checks.SetAsync(shop.Site.Id, shop.User.Id, 2));
        Assert.Null(await Checks.SetAsync(shop.Site.Id, colleague.Id, 24));   // not reached

        _clock.Advance(TimeSpan.FromHours(1));
        await PageviewAsync(shop.Site.Id, "Purchase");   // a server's order event is no pageview: the pages are still silent
        _clock.Advance(TimeSpan.FromMinutes(59));
        await Checks.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Empty(Mail.Received);   // 1 h 59 min

        _clock.Advance(TimeSpan.FromMinutes(2));
        await Checks.CheckAsync(shop.Site.Id, CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(5));
        await Checks.CheckAsync(shop.Site.Id, CancellationToken.None);   // the same spell: no second mail
        var mail = Assert.Single(Mail.Received);
        Assert.Equal(shop.User.Email, mail.ToAddresses.Single().Address);
        Assert.Equal($"{shop.Site.Domain}: no pageviews for 2 hours", mail.Subject);
        var text = mail.MessageParts[0].BodyData;
        Assert.Contains($"{shop.Site.Domain} has had no pageviews since ", text);
        Assert.Contains("Your check: 2 hours.", text);
        Assert.Contains($"{TestMailServer.PublicBaseUrl}/sites/{shop.Site.Id}", text);

        // Pageviews come back, then stop again: a new spell, a new mail.
        await PageviewAsync(shop.Site.Id);
        await Checks.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Single(Mail.Received);
        _clock.Advance(TimeSpan.FromHours(2.5));
        await Checks.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Equal(2, Mail.Received.Count);
        Assert.All(Mail.Received, m => Assert.Equal(shop.User.Email, m.ToAddresses.Single().Address));
    }

    [Fact]
    public async Task A_site_without_pageviews_is_silent_from_when_the_check_was_set()
    {
        var shop = await App.MerchantAsync();
        _clock.Advance(TimeSpan.FromDays(3));   // made days ago, never a pageview
        Assert.Null(await Checks.SetAsync(shop.Site.Id, shop.User.Id, 1));
        await Checks.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Empty(Mail.Received);
        _clock.Advance(TimeSpan.FromMinutes(61));
        await Checks.CheckAsync(shop.Site.Id, CancellationToken.None);
        var mail = Assert.Single(Mail.Received);
        Assert.Equal($"{shop.Site.Domain}: no pageviews for 1 hour", mail.Subject);
        Assert.Contains(", when you set this check.", mail.MessageParts[0].BodyData);
        Assert.Contains("Your check: 1 hour.", mail.MessageParts[0].BodyData);
    }

    [Fact]
    public async Task Hours_are_checked_and_a_member_clears_theirs_on_the_settings_page()
    {
        var shop = await App.MerchantAsync();
        Assert.Contains("between 1 and 168", await Checks.SetAsync(shop.Site.Id, shop.User.Id, 0));
        Assert.Contains("between 1 and 168", await Checks.SetAsync(shop.Site.Id, shop.User.Id, 169));
        Assert.Equal("You are not a member of this site.", await Checks.SetAsync(shop.Site.Id, (await App.UserAsync()).Id, 5));

        await using var ctx = ComponentContext.For(App, shop.User, typeof(SilenceAlert));
        var card = ctx.Render<SilenceAlertCard>(p => p.Add(c => c.Site, shop.Site));
        AlertCards.Save(card, "silence-alert", "6", "You get a mail when no pageview has come for 6 hours.");
        Assert.Equal(6, await Checks.HoursAsync(shop.Site.Id, shop.User.Id));
        AlertCards.Save(card, "silence-alert", "1", "You get a mail when no pageview has come for 1 hour.");
        AlertCards.Save(card, "silence-alert", "", "No check.");
        Assert.Null(await Checks.HoursAsync(shop.Site.Id, shop.User.Id));
    }
}
