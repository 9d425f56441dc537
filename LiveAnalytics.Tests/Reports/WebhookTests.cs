using System.Net;
using Bunit;
using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live;
using LiveAnalytics.Persistence;
using LiveAnalytics.Reports;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Reports;

/// <summary>A site's alerts posted to a chat channel: by the rules of a member's alerts, to an address checked twice.</summary>
public sealed class WebhookTests : IAsyncLifetime
{
    private const string PublicBaseUrl = "https://analytics.example";
    private FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestWebhookReceiver _receiver = default!;

    // Private networks allowed: the test's receiver is on this machine.
    private readonly AppFactory _app = new(new Dictionary<string, string?>
    {
        ["Webhooks:AllowPrivateNetworks"] = "true", ["Email:PublicBaseUrl"] = PublicBaseUrl,
    });

    private SiteWebhooks Webhooks => new(_app.Get<NpgsqlDataSource>(), _app.Get<SiteTeam>(), _app.Get<WebhookSender>(),
        _app.Get<IDataProtectionProvider>(), _app.Get<IOptions<LiveAnalytics.Accounts.Email.EmailOptions>>(), _clock);

    private WebhookAlerts Alerts => new(_app.Get<NpgsqlDataSource>(), _app.Get<EventHub>(), Webhooks, _app.Get<RollupQueries>(), _clock);

    public async Task InitializeAsync() => _receiver = await TestWebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task The_traffic_alert_posts_once_in_12_hours_and_a_refused_post_is_tried_again()
    {
        var shop = await _app.MerchantAsync();
        Assert.Null(await Webhooks.SetAsync(shop.Site, shop.User.Id, _receiver.Url, trafficAlert: 2, silenceHours: null));
        // The address is the channel's secret: stored encrypted, shown in part.
        Assert.DoesNotContain("secret-token", await StoredUrlAsync(shop.Site.Id));
        Assert.Equal($"{new Uri(_receiver.Url).GetLeftPart(UriPartial.Authority)}/services/…", (await Webhooks.GetAsync(shop.Site.Id))!.UrlHint);

        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Empty(_receiver.Received);   // nobody online
        var client = _app.CreateClient();
        foreach (var (n, path) in new[] { (1, "/sale"), (2, "/sale") })
            (await client.SendAsync(TestData.Pageview(shop.Site.Domain, path, TestData.Browser(n)))).EnsureSuccessStatusCode();
        await _app.Get<EventHub>().WaitForAsync(shop.Site.Id, s => s.VisitorsOnline == 2);

        _receiver.Status = HttpStatusCode.InternalServerError;   // the chat is down: not sent, so tried again
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Equal("The receiver answered 500 Internal Server Error.", (await Webhooks.GetAsync(shop.Site.Id))!.LastError);
        _receiver.Status = HttpStatusCode.OK;
        _clock.Advance(TimeSpan.FromSeconds(30));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Single(_receiver.Received);   // a receiver that refused is left alone a while
        _clock.Advance(WebhookAlerts.RetryAfter);
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);   // taken: quiet now
        Assert.Equal(2, _receiver.Received.Count);
        var message = _receiver.Received.Last();
        Assert.Equal("traffic", message.GetProperty("event").GetString());
        Assert.Equal(shop.Site.Domain, message.GetProperty("site").GetString());
        Assert.Equal(2, message.GetProperty("visitors_online").GetInt32());
        Assert.Equal($"{PublicBaseUrl}/sites/{shop.Site.Id}", message.GetProperty("link").GetString());
        Assert.Equal($"2 visitors are on {shop.Site.Domain} right now (the alert: 2). Looking at: /sale (2). From: Direct (2).",
            message.GetProperty("text").GetString());
        Assert.Null((await Webhooks.GetAsync(shop.Site.Id))!.LastError);

        _clock.Advance(TrafficAlert.Quiet);
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Equal(3, _receiver.Received.Count);
    }

    [Fact]
    public async Task The_tracking_check_posts_once_a_quiet_spell()
    {
        var shop = await _app.MerchantAsync();
        await PageviewAsync(shop.Site.Id);
        Assert.Null(await Webhooks.SetAsync(shop.Site, shop.User.Id, _receiver.Url, trafficAlert: null, silenceHours: 2));
        _clock.Advance(TimeSpan.FromMinutes(119));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Empty(_receiver.Received);

        _clock.Advance(TimeSpan.FromMinutes(2));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(3));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);   // the same spell
        var message = Assert.Single(_receiver.Received);
        Assert.Equal("silence", message.GetProperty("event").GetString());
        Assert.Equal(2, message.GetProperty("quiet_hours").GetInt32());
        Assert.StartsWith($"{shop.Site.Domain} has had no pageviews for 2 hours, since ", message.GetProperty("text").GetString());

        await PageviewAsync(shop.Site.Id);   // back, then quiet again: a new spell
        _clock.Advance(TimeSpan.FromHours(2.5));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Equal(2, _receiver.Received.Count);

        // Settings saved with the address left empty keep it, and an unchanged check keeps its spell.
        Assert.Null(await Webhooks.SetAsync(shop.Site, shop.User.Id, url: null, trafficAlert: 50, silenceHours: 2));
        Assert.Equal((50, 2), ((await Webhooks.GetAsync(shop.Site.Id))!.TrafficAlert, (await Webhooks.GetAsync(shop.Site.Id))!.SilenceHours));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Equal(2, _receiver.Received.Count);
    }

    [Fact]
    public async Task The_weekly_summary_posts_each_week_once_from_monday_morning_in_the_sites_zone()
    {
        // A Wednesday noon in UTC: the site's week of the Monday before is the one under way.
        var wednesday = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        _clock = new FakeTimeProvider(wednesday);
        var shop = await _app.MerchantAsync();
        Assert.Null(await Webhooks.SetAsync(shop.Site, shop.User.Id, _receiver.Url, null, null, weeklyReport: true));
        // That week's visits: three visitors from Google on the sale page, one of them back on Thursday; one the week before.
        var events = new[] { (1, 0), (2, 0), (3, 0), (1, 1), (4, -7) }.Select(x => TestData.Event(shop.Site.Id, wednesday.AddDays(x.Item2), x.Item1, "/sale")
            with { Id = Guid.CreateVersion7(wednesday.AddDays(x.Item2)), SessionId = x.Item1 * 100 + x.Item2 + 8,
                 Source = x.Item2 < 0 ? "" : "Google", Channel = x.Item2 < 0 ? null : "Organic Search" }).ToArray();
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);

        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 6, 59, 0, TimeSpan.Zero));   // Monday, 06:59 UTC (the site's zone)
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Empty(_receiver.Received);
        _clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 7, 0, 0, TimeSpan.Zero));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);   // the same week: once
        var message = Assert.Single(_receiver.Received);
        Assert.Equal("weekly", message.GetProperty("event").GetString());
        Assert.Equal(3, message.GetProperty("visitors").GetInt64());
        Assert.Equal(4, message.GetProperty("pageviews").GetInt64());
        Assert.Equal($"{shop.Site.Domain}, the week of 23 Nov (days in UTC): 3 visitors (+200%), 4 pageviews (+300%), 100% bounce rate (0 pts). " +
                     "Top pages: /sale (3). Top sources: Google (3). Channels: Organic Search (3).", message.GetProperty("text").GetString());
        Assert.Equal($"{PublicBaseUrl}/sites/{shop.Site.Id}/history?period=custom&from=2026-11-23&to=2026-11-29", message.GetProperty("link").GetString());

        _clock.Advance(TimeSpan.FromDays(7));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Equal(2, _receiver.Received.Count);   // the next week, with nothing in it
        Assert.StartsWith($"{shop.Site.Domain}, the week of 30 Nov (days in UTC): 0 visitors", _receiver.Received.Last().GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_monthly_summary_posts_each_month_once_from_the_first_at_seven()
    {
        var tenth = new DateTimeOffset(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);
        _clock = new FakeTimeProvider(tenth);
        var shop = await _app.MerchantAsync();
        Assert.Null(await Webhooks.SetAsync(shop.Site, shop.User.Id, _receiver.Url, null, null, monthlyReport: true));
        Assert.Equal((false, true), ((await Webhooks.GetAsync(shop.Site.Id))!.WeeklyReport, (await Webhooks.GetAsync(shop.Site.Id))!.MonthlyReport));
        // Two visitors in November, one in October.
        var events = new[] { (1, tenth), (2, tenth.AddDays(5)), (3, tenth.AddMonths(-1)) }
            .Select(x => TestData.Event(shop.Site.Id, x.Item2, x.Item1, "/sale") with { SessionId = x.Item1 + 40 }).ToArray();
        await _app.Get<EventWriter>().WriteAsync(events, mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);

        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 6, 59, 0, TimeSpan.Zero));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);   // Monday 30 Nov went by too: no weekly summary asked
        Assert.Empty(_receiver.Received);
        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 7, 0, 0, TimeSpan.Zero));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        var message = Assert.Single(_receiver.Received);
        Assert.Equal("monthly", message.GetProperty("event").GetString());
        Assert.StartsWith($"{shop.Site.Domain}, November 2026 (days in UTC): 2 visitors (+100%), 2 pageviews (+100%)", message.GetProperty("text").GetString());
        Assert.Equal($"{PublicBaseUrl}/sites/{shop.Site.Id}/history?period=custom&from=2026-11-01&to=2026-11-30", message.GetProperty("link").GetString());
    }

    [Fact]
    public async Task Only_owners_and_admins_set_it_and_an_address_no_longer_readable_is_reported()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        Assert.Equal(SiteTeam.SettingsRefused, await Webhooks.SetAsync(shop.Site, viewer.Id, _receiver.Url, 5, null));
        Assert.Equal(SiteTeam.SettingsRefused, await Webhooks.TestAsync(shop.Site, viewer.Id));
        Assert.Null(await Webhooks.GetAsync(shop.Site.Id));
        Assert.StartsWith("Enter the webhook's address", await Webhooks.SetAsync(shop.Site, shop.User.Id, url: null, 5, null));
        Assert.Contains("between 1 and", await Webhooks.SetAsync(shop.Site, shop.User.Id, _receiver.Url, 0, null));
        Assert.Contains("between 1 and 168", await Webhooks.SetAsync(shop.Site, shop.User.Id, _receiver.Url, null, 169));

        Assert.Null(await Webhooks.SetAsync(shop.Site, shop.User.Id, _receiver.Url, null, 1));
        Assert.Equal(SiteTeam.SettingsRefused, await Webhooks.RemoveAsync(shop.Site, viewer.Id));
        // The Data Protection keys it was encrypted with are gone (Redis lost): the settings say to enter it again.
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE site_webhooks SET url = 'CfDJ8-not-readable' WHERE site_id = @Id", new { shop.Site.Id });
        _clock.Advance(TimeSpan.FromHours(2));
        await Alerts.CheckAsync(shop.Site.Id, CancellationToken.None);
        Assert.Empty(_receiver.Received);
        Assert.StartsWith("The saved address can no longer be read", (await Webhooks.GetAsync(shop.Site.Id))!.LastError);
        Assert.Equal("Save a webhook first.", await Webhooks.TestAsync(shop.Site, shop.User.Id));
    }

    [Fact]
    public async Task The_card_saves_tests_and_removes_the_webhook()
    {
        var shop = await _app.MerchantAsync();
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(SiteWebhooks));
        var card = ctx.Render<WebhookCard>(p => p.Add(c => c.Site, shop.Site));
        card.WaitForAssertion(() => Assert.Equal("No webhook.", State(card)));

        card.On("input[data-testid=webhook-url]", e => e.Input("ftp://hooks.example/x"));
        card.On("[data-testid=webhook-save]", e => e.Click());
        card.WaitForAssertion(() => Assert.StartsWith("The address must be a whole https:// address", card.Find("[data-testid=webhook-error]").TextContent));

        card.On("input[data-testid=webhook-url]", e => e.Input(_receiver.Url));
        card.On("input[data-testid=webhook-traffic]", e => e.Change("1200"));
        card.On("input[data-testid=webhook-weekly]", e => e.Change(true));
        card.On("[data-testid=webhook-save]", e => e.Click());
        var hint = WebhookSender.Hint(_receiver.Url);
        card.WaitForAssertion(() => Assert.Equal($"Posting to {hint}: when 1,200 or more visitors are online; no tracking check; the last week's summary on Mondays.", State(card)));
        Assert.Empty(card.FindAll("[data-testid=webhook-error]"));

        card.On("[data-testid=webhook-test]", e => e.Click());
        card.WaitForAssertion(() => Assert.StartsWith($"Posting to {hint}: when 1,200 or more visitors are online; no tracking check; the last week's summary on Mondays. The last post was taken (", State(card)));
        var test = Assert.Single(_receiver.Received);
        Assert.Equal("test", test.GetProperty("event").GetString());
        Assert.Equal($"Test from LiveAnalytics: {shop.Site.Domain}'s alerts will be posted here.", test.GetProperty("text").GetString());

        _receiver.Status = HttpStatusCode.Forbidden;   // the channel was archived: said once, in the state
        card.On("[data-testid=webhook-test]", e => e.Click());
        card.WaitForAssertion(() => Assert.EndsWith("The receiver answered 403 Forbidden.", State(card)));
        Assert.Empty(card.FindAll("[data-testid=webhook-error]"));

        card.On("[data-testid=webhook-remove]", e => e.Click());
        card.WaitForAssertion(() => Assert.Equal("No webhook.", State(card)));
        Assert.Null(await Webhooks.GetAsync(shop.Site.Id));
    }

    [Theory]
    [InlineData("http://hooks.example.com/x", "must start with https://")]
    [InlineData("https://127.0.0.1/hook", "private network")]
    [InlineData("https://10.1.2.3/hook", "private network")]
    [InlineData("https://169.254.169.254/latest/meta-data", "private network")]   // a cloud's metadata service
    [InlineData("https://[::1]/hook", "private network")]
    [InlineData("https://[::ffff:192.168.1.1]/hook", "private network")]
    [InlineData("https://localhost/hook", "this machine")]
    [InlineData("https://user:pass@hooks.example.com/x", "user name or password")]
    [InlineData("hooks.slack.com/services/x", "whole https:// address")]
    [InlineData("", "Enter the webhook's address")]
    public void Without_private_networks_an_address_is_checked_where_it_is_entered(string url, string error)
    {
        var sender = new WebhookSender(Options.Create(new WebhookOptions()));
        Assert.Contains(error, sender.Check(url));
        Assert.Null(sender.Check("https://hooks.slack.com/services/T000/B000/XXXX"));
        Assert.Contains("longer than", sender.Check("https://hooks.example.com/" + new string('x', WebhookSender.MaxUrlLength)));
        // What the settings show: never a part that may be the secret.
        Assert.Equal("https://hooks.slack.com/services/…", WebhookSender.Hint("https://hooks.slack.com/services/T000/B000/XXXX"));
        Assert.Equal("https://hooks.example.com/…", WebhookSender.Hint("https://hooks.example.com/s3cr3t"));
        Assert.Equal("https://hooks.example.com/…", WebhookSender.Hint("https://hooks.example.com/?key=s3cr3t"));
    }

    [Fact]
    public async Task Without_private_networks_the_connection_goes_to_no_private_address_whatever_the_name_resolved_to()
    {
        // What a name that resolved to a public address when it was entered, and to this machine when posted to, meets:
        // the connection's own check (the receiver listens there, so a connection made would be seen).
        var sender = new WebhookSender(Options.Create(new WebhookOptions()));
        var error = await sender.SendAsync(_receiver.Url, new WebhookMessage("hi", "test", "shop.example"), CancellationToken.None);
        Assert.Contains("resolves to no public address (127.0.0.1)", error);
        Assert.Empty(_receiver.Received);
        Assert.True(WebhookSender.IsPublic(IPAddress.Parse("93.184.216.34")));
        Assert.False(WebhookSender.IsPublic(IPAddress.Parse("100.64.0.1")));   // carrier-grade NAT
    }

    private static string State(IRenderedComponent<WebhookCard> card) => card.Find("[data-testid=webhook-state]").TextContent.Trim();

    private Task PageviewAsync(long siteId) =>
        _app.Get<EventWriter>().WriteAsync([TestData.Event(siteId, _clock.GetUtcNow(), 1)], mayBeRedelivered: false, CancellationToken.None);

    private async Task<string> StoredUrlAsync(long siteId)
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<string>("SELECT url FROM site_webhooks WHERE site_id = @siteId", new { siteId }) ?? "";
    }
}
