using Bunit;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using LiveAnalytics.Sites.Pages;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Sites;

public sealed class SiteTeamTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private SiteTeam Team => _app.Get<SiteTeam>();

    [Fact]
    public async Task An_owner_adds_a_colleague_by_the_email_of_their_account()
    {
        var shop = await _app.MerchantAsync();
        var colleague = await _app.UserAsync();
        Assert.Null(await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, colleague.Id));

        Assert.Null(await Team.AddAsync(shop.Site.Id, shop.User.Id, "  " + colleague.Email!.ToUpperInvariant() + " ", SiteTeam.Viewer));

        Assert.NotNull(await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, colleague.Id));
        Assert.Equal(SiteTeam.Viewer, await Team.RoleAsync(shop.Site.Id, colleague.Id));
        Assert.Equal([(shop.User.Email, SiteTeam.Owner), (colleague.Email, SiteTeam.Viewer)],
            (await Team.ListAsync(shop.Site.Id, colleague.Id)).Select(m => (m.Email, m.Role)));
        Assert.Contains("a member already", await Team.AddAsync(shop.Site.Id, shop.User.Id, colleague.Email, SiteTeam.Admin));
        Assert.Contains("ask them to sign up first", await Team.AddAsync(shop.Site.Id, shop.User.Id, "nobody@test.example", SiteTeam.Admin));
        Assert.Contains("A role is one of", await Team.AddAsync(shop.Site.Id, shop.User.Id, colleague.Email, "god"));
    }

    [Fact]
    public async Task Only_owners_manage_the_team_and_strangers_see_nothing_of_it()
    {
        var shop = await _app.MerchantAsync();
        var admin = await _app.MemberAsync(shop, SiteTeam.Admin);
        var stranger = await _app.UserAsync();

        Assert.Contains("Only the site's owners", await Team.AddAsync(shop.Site.Id, admin.Id, stranger.Email!, SiteTeam.Viewer));
        Assert.Contains("Only the site's owners", await Team.ChangeRoleAsync(shop.Site.Id, admin.Id, admin.Id, SiteTeam.Owner));
        Assert.Contains("Only the site's owners", await Team.RemoveAsync(shop.Site.Id, admin.Id, shop.User.Id));
        Assert.Contains("Only the site's owners", await Team.AddAsync(shop.Site.Id, stranger.Id, stranger.Email!, SiteTeam.Owner));
        Assert.Empty(await Team.ListAsync(shop.Site.Id, stranger.Id));
        Assert.Null(await Team.RoleAsync(shop.Site.Id, stranger.Id));
    }

    [Fact]
    public async Task A_site_always_keeps_an_owner_and_members_may_leave()
    {
        var shop = await _app.MerchantAsync();
        var colleague = await _app.MemberAsync(shop, SiteTeam.Admin);

        Assert.Contains("at least one owner", await Team.ChangeRoleAsync(shop.Site.Id, shop.User.Id, shop.User.Id, SiteTeam.Admin));
        Assert.Contains("at least one owner", await Team.RemoveAsync(shop.Site.Id, shop.User.Id, shop.User.Id));

        Assert.Null(await Team.ChangeRoleAsync(shop.Site.Id, shop.User.Id, colleague.Id, SiteTeam.Owner));
        Assert.Null(await Team.ChangeRoleAsync(shop.Site.Id, shop.User.Id, shop.User.Id, SiteTeam.Viewer));   // another owner now
        Assert.Null(await Team.RemoveAsync(shop.Site.Id, shop.User.Id, shop.User.Id));                       // a viewer leaves
        Assert.Null(await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id));
        Assert.Equal([(colleague.Email, SiteTeam.Owner)], (await Team.ListAsync(shop.Site.Id, colleague.Id)).Select(m => (m.Email, m.Role)));
    }

    [Fact]
    public async Task A_viewers_key_reads_the_sites_stats_but_sends_no_events()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await _app.ApiKeyAsync(viewer.Id));

        using (var stats = await client.GetAsync($"/api/v1/stats/aggregate?site_id={shop.Site.Domain}&period=day"))
            Assert.Equal(System.Net.HttpStatusCode.OK, stats.StatusCode);
        using var sent = await client.PostAsync("/api/v1/events", new StringContent(
            $"[{TestData.BatchPageview(shop.Site.Domain, "/")}]", System.Text.Encoding.UTF8, "application/json"));
        var refused = System.Text.Json.JsonDocument.Parse(await sent.Content.ReadAsStringAsync()).RootElement.GetProperty("results")[0];
        Assert.Equal("rejected", refused.GetProperty("status").GetString());
        Assert.Contains("owners or admins", refused.GetProperty("errors").GetProperty("domain")[0].GetString());

        Assert.Null(await Team.ChangeRoleAsync(shop.Site.Id, shop.User.Id, viewer.Id, SiteTeam.Admin));
        using var again = await client.PostAsync("/api/v1/events", new StringContent(
            $"[{TestData.BatchPageview(shop.Site.Domain, "/")}]", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(1, System.Text.Json.JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task Settings_changes_check_the_role_when_they_are_made_not_when_the_page_opened()
    {
        var shop = await _app.MerchantAsync();
        var colleague = await _app.MemberAsync(shop, SiteTeam.Admin);
        var exclusions = _app.Get<SiteExclusionRepository>();
        Assert.Null(await exclusions.AddAsync(shop.Site, colleague.Id, SiteExclusionRepository.Path, "/admin/*"));

        Assert.Null(await Team.ChangeRoleAsync(shop.Site.Id, shop.User.Id, colleague.Id, SiteTeam.Viewer));

        Assert.Equal(SiteTeam.SettingsRefused, await exclusions.AddAsync(shop.Site, colleague.Id, SiteExclusionRepository.Ip, "203.0.113.0/24"));
        Assert.Equal(SiteTeam.SettingsRefused, await exclusions.RemoveAsync(shop.Site, colleague.Id, (await exclusions.ListAsync(shop.Site.Id))[0].Id));
        Assert.Equal(SiteTeam.SettingsRefused, await _app.Get<Goals>().AddAsync(shop.Site, colleague.Id, Goal.Event, "Signup"));
        Assert.False(await _app.Get<RollupBackfill>().RequestAsync(shop.Site.Id, colleague.Id));
        Assert.NotNull(await _app.Get<EventRetention>().SetAsync(shop.Site, colleague.Id, 30));
        Assert.Single(await exclusions.ListAsync(shop.Site.Id));
        Assert.Empty(await _app.Get<Goals>().ListAsync(shop.Site.Id));
    }

    private BunitContext Context(LiveAnalytics.Accounts.AppUser user) => ComponentContext.For(_app, user,
        typeof(SiteRepository), typeof(SiteExclusionRepository), typeof(SiteTeam), typeof(Goals), typeof(Funnels), typeof(SharedLinks), typeof(SiteIdentity), typeof(EventRetention), typeof(RollupBackfill),
        typeof(SiteDeletion), typeof(RevenueCurrency), typeof(SiteTimeZone), typeof(SiteInvitations), typeof(LiveAnalytics.Reports.EmailReports), typeof(LiveAnalytics.Reports.TrafficAlert), typeof(LiveAnalytics.Reports.SilenceAlert),
        typeof(LiveAnalytics.Reports.SiteWebhooks));

    [Fact]
    public async Task The_settings_page_offers_a_viewer_nothing_to_change()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);

        await using (var ctx = Context(shop.User))
        {
            var owner = ctx.Render<SiteSettingsPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
            owner.WaitForElement("[data-testid=delete-site]");
            Assert.NotEmpty(owner.FindAll("[data-testid=retention]"));
            Assert.NotEmpty(owner.FindAll("[data-testid=currency]"));
            Assert.NotEmpty(owner.FindAll("[data-testid=timezone]"));
            Assert.NotEmpty(owner.FindAll("[data-testid=member-add]"));
            Assert.NotEmpty(owner.FindAll("[data-testid=webhook]"));
        }
        await using (var ctx = Context(viewer))
        {
            var page = ctx.Render<SiteSettingsPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
            page.WaitForElement("[data-testid=viewer-note]");
            page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=team-members] tr").Count));
            foreach (var editing in (string[])["retention", "currency", "timezone", "goal-settings", "funnel-settings", "shared-links", "backfill", "delete-site", "exclusions-ip", "member-add", "member-role", "webhook"])
                Assert.Empty(page.FindAll($"[data-testid={editing}]"));
            // Their own subscription and alerts, which any member has.
            foreach (var own in (string[])["email-reports", "traffic-alert", "silence-alert"])
                Assert.NotEmpty(page.FindAll($"[data-testid={own}]"));
            // A viewer may still leave.
            Assert.Equal("Leave", Assert.Single(page.FindAll("[data-testid=member-remove]")).TextContent.Trim());
        }
    }

    [Theory]
    [InlineData(SiteTeam.Owner, 15)]
    [InlineData(SiteTeam.Admin, 14)]     // all but deleting the site
    [InlineData(SiteTeam.Viewer, 4)]     // their own mail, alerts and the team
    public async Task The_settings_page_lists_its_cards_to_jump_to(string role, int cards)
    {
        var shop = await _app.MerchantAsync();
        var member = role == SiteTeam.Owner ? shop.User : await _app.MemberAsync(shop, role);
        await using var ctx = Context(member);

        var page = ctx.Render<SiteSettingsPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForElement("[data-testid=team]");

        // Every link of the list leads to a card on the page, in the page's order, and every card has its link.
        var links = page.FindAll("[data-testid=settings-nav] a").Select(a => a.GetAttribute("href")!).ToList();
        var sections = page.FindAll(".settings-cards > section").Select(s => $"/sites/{shop.Site.Id}/settings#{s.Id}").ToList();
        Assert.Equal(cards, links.Count);
        Assert.Equal(sections, links);
        Assert.All(page.FindAll(".settings-cards > section"), s => Assert.NotEmpty(s.Children));
        Assert.Equal(role == SiteTeam.Owner, links.Contains($"/sites/{shop.Site.Id}/settings#delete"));
        Assert.Equal(role != SiteTeam.Viewer, links.Contains($"/sites/{shop.Site.Id}/settings#goals"));
    }

    [Fact]
    public async Task The_team_card_adds_a_member_and_refuses_to_leave_the_site_without_an_owner()
    {
        var shop = await _app.MerchantAsync();
        var colleague = await _app.UserAsync();
        await using var ctx = Context(shop.User);
        var card = ctx.Render<TeamCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.Role, SiteTeam.Owner));
        card.WaitForAssertion(() => Assert.Single(card.FindAll("[data-testid=team-members] tr")));

        card.On("input[data-testid=member-email]", e => e.Input(colleague.Email!));
        card.On("[data-testid=member-new-role]", e => e.Change(SiteTeam.Admin));
        card.On("[data-testid=member-add]", e => e.Click());
        card.WaitForAssertion(() => Assert.Equal(2, card.FindAll("[data-testid=team-members] tr").Count));
        Assert.Equal(SiteTeam.Admin, await Team.RoleAsync(shop.Site.Id, colleague.Id));

        card.Find($"[data-testid=team-members] tr[data-email='{shop.User.Email}'] [data-testid=member-role]").Change(SiteTeam.Viewer);
        card.WaitForAssertion(() => Assert.Contains("at least one owner", card.Find("[data-testid=team-error]").TextContent));
        Assert.Equal(SiteTeam.Owner, await Team.RoleAsync(shop.Site.Id, shop.User.Id));
    }
}
