using Bunit;
using Dapper;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Sites;

/// <summary>An owner invites a colleague without an account by mail; the link's token joins them to the team, once.</summary>
public sealed class SiteInvitationsTests : MailTest
{
    private SiteInvitations Invitations => App.Get<SiteInvitations>();

    private async Task<string?> RoleAsync(long siteId, string email)
    {
        await using var conn = await App.Get<NpgsqlDataSource>().OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<string?>("""
            SELECT m.role FROM site_members m JOIN users u ON u.id = m.user_id WHERE m.site_id = @siteId AND u.email = @email
            """, new { siteId, email });
    }

    [Fact]
    public async Task A_colleague_signs_up_through_the_mailed_link_and_joins_with_the_role()
    {
        var shop = await App.MerchantAsync();
        var colleague = $"c{Guid.NewGuid():N}@colleagues.example";
        Assert.Null(await Invitations.AddOrInviteAsync(shop.Site, shop.User.Id, colleague, SiteTeam.Admin));
        Assert.Equal((colleague, SiteTeam.Admin), (await Invitations.PendingAsync(shop.Site.Id)).Select(i => (i.Email, i.Role)).Single());
        var mail = Assert.Single(Mail.Received);
        Assert.Equal(colleague, mail.ToAddresses.Single().Address);
        Assert.Contains(shop.Site.Domain, mail.Subject);
        var link = TestMailServer.LinkIn(mail, "/account/invitation");
        var token = link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        await using (var conn = await App.Get<NpgsqlDataSource>().OpenConnectionAsync())
            // Only the token's hash is stored.
            Assert.Equal(1, await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM site_invitations WHERE site_id = @Id AND token_hash = sha256(convert_to(@token, 'UTF8'))", new { shop.Site.Id, token }));

        var client = App.CreateClient();
        var offer = Text(await client.GetStringAsync(link));
        Assert.Contains($"You are invited to {shop.Site.Domain} as admin", offer);
        var joined = await StaticForm.SubmitAsync(client, $"/account/signup?invite={token}", "signup",
            new() { ["Input.Email"] = colleague, ["Input.Password"] = TestData.Password, ["Input.Confirm"] = TestData.Password });
        Assert.Contains(shop.Site.Domain, joined);   // taken to the site's page
        Assert.Equal(SiteTeam.Admin, await RoleAsync(shop.Site.Id, colleague));

        // Used up: the link offers nothing more, and the invitation is no longer pending.
        Assert.Null(await Invitations.FindAsync(token));
        Assert.Contains("This invitation has expired or was used already", Text(await client.GetStringAsync(link)));
        Assert.Empty(await Invitations.PendingAsync(shop.Site.Id));
    }

    [Fact]
    public async Task Only_owners_invite_accounts_are_invited_too_and_invitations_expire()
    {
        var shop = await App.MerchantAsync();
        var admin = await App.MemberAsync(shop, SiteTeam.Admin);
        Assert.Equal("Only the site's owners manage its team.", await Invitations.AddOrInviteAsync(shop.Site, admin.Id, "x@colleagues.example", SiteTeam.Viewer));
        Assert.Contains("not an e-mail address", await Invitations.AddOrInviteAsync(shop.Site, shop.User.Id, "not an address", SiteTeam.Viewer));
        // An account's address may be no proof that its holder reads that mailbox (made without mail, never confirmed): it gets the
        // invitation by mail too, and joins through the link. A member already is told so.
        var existing = await App.UserAsync();
        Assert.Null(await Invitations.AddOrInviteAsync(shop.Site, shop.User.Id, existing.Email!, SiteTeam.Viewer));
        Assert.Null(await RoleAsync(shop.Site.Id, existing.Email!));
        var mailed = Assert.Single(Mail.Received);
        Assert.Equal(existing.Email, mailed.ToAddresses.Single().Address);
        Assert.Equal(shop.Site.Id, await Invitations.AcceptAsync(TestMailServer.LinkIn(mailed, "/account/invitation").Split("token=")[1], existing.Id));
        Assert.Equal(SiteTeam.Viewer, await RoleAsync(shop.Site.Id, existing.Email!));
        Assert.Equal($"{existing.Email} is a member already.", await Invitations.AddOrInviteAsync(shop.Site, shop.User.Id, existing.Email!, SiteTeam.Admin));

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var invitations = new SiteInvitations(App.Get<NpgsqlDataSource>(), App.Get<SiteTeam>(), App.Get<EmailSender>(), clock);
        Assert.Null(await invitations.AddOrInviteAsync(shop.Site, shop.User.Id, "late@colleagues.example", SiteTeam.Viewer));
        var token = TestMailServer.LinkIn(Mail.Received.Single(m => m.ToAddresses[0].Address == "late@colleagues.example"), "/account/invitation").Split("token=")[1];
        clock.Advance(SiteInvitations.Lifespan + TimeSpan.FromMinutes(1));
        Assert.Null(await invitations.FindAsync(token));
        Assert.Null(await invitations.AcceptAsync(token, (await App.UserAsync()).Id));
        Assert.Empty(await invitations.PendingAsync(shop.Site.Id));
    }

    [Fact]
    public async Task A_signed_in_colleague_joins_with_the_link_and_a_cancelled_invitation_is_void()
    {
        var shop = await App.MerchantAsync();
        Assert.Null(await Invitations.AddOrInviteAsync(shop.Site, shop.User.Id, "first@colleagues.example", SiteTeam.Viewer));
        Assert.Null(await Invitations.AddOrInviteAsync(shop.Site, shop.User.Id, "second@colleagues.example", SiteTeam.Viewer));
        var (first, second) = (Mail.Received.First(m => m.ToAddresses[0].Address.StartsWith("first")),
                               Mail.Received.First(m => m.ToAddresses[0].Address.StartsWith("second")));
        var someone = await App.UserAsync();   // signed up meanwhile, under another address
        var client = App.CreateClient();
        await StaticForm.SubmitAsync(client, "/account/login", "login", new() { ["Input.Email"] = someone.Email, ["Input.Password"] = TestData.Password });
        var joined = await StaticForm.SubmitAsync(client, TestMailServer.LinkIn(first, "/account/invitation"), "accept-invitation", []);
        Assert.DoesNotContain("invitation-offer", joined);   // taken to the site's page
        Assert.Contains(shop.Site.Domain, joined);
        Assert.Equal(SiteTeam.Viewer, await RoleAsync(shop.Site.Id, someone.Email));

        var cancelled = (await Invitations.PendingAsync(shop.Site.Id)).Single();
        Assert.Equal("second@colleagues.example", cancelled.Email);
        Assert.Null(await Invitations.CancelAsync(shop.Site.Id, shop.User.Id, cancelled.Id));
        Assert.Null(await Invitations.FindAsync(TestMailServer.LinkIn(second, "/account/invitation").Split("token=")[1]));
    }

    [Fact]
    public async Task The_team_card_invites_lists_and_cancels()
    {
        var shop = await App.MerchantAsync();
        await using var ctx = ComponentContext.For(App, shop.User, typeof(SiteTeam), typeof(SiteInvitations));
        var card = ctx.Render<TeamCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.Role, SiteTeam.Owner));
        card.WaitForAssertion(() => Assert.Single(card.FindAll("[data-testid=team-members] tr")));
        Assert.Contains("they get an invitation by mail", card.Markup);

        card.On("input[data-testid=member-email]", e => e.Input("new@colleagues.example"));
        card.On("[data-testid=member-add]", e => e.Click());
        card.WaitForAssertion(() => Assert.Equal("new@colleagues.example", card.Find("[data-testid=team-invitations] tr").GetAttribute("data-email")));
        Assert.Single(card.FindAll("[data-testid=team-members] tr"));   // invited, not a member yet
        Assert.Single(Mail.Received);

        card.On("[data-testid=invitation-cancel]", e => e.Click());
        card.WaitForAssertion(() => Assert.Empty(card.FindAll("[data-testid=team-invitations]")));
        Assert.Empty(await Invitations.PendingAsync(shop.Site.Id));
    }

    [Fact]
    public async Task An_invitation_the_smtp_server_does_not_take_is_not_left_pending()
    {
        var settings = Mail.Settings;
        settings["Email:SmtpPort"] = "1";   // nothing listens there
        await using var app = new AppFactory(settings);
        var shop = await app.MerchantAsync();
        var error = await app.Get<SiteInvitations>().AddOrInviteAsync(shop.Site, shop.User.Id, "someone@colleagues.example", SiteTeam.Viewer);
        Assert.StartsWith("The invitation could not be mailed", error);
        Assert.Empty(await app.Get<SiteInvitations>().PendingAsync(shop.Site.Id));
    }

    [Fact]
    public async Task Without_mail_an_address_without_an_account_is_refused_as_before()
    {
        await using var app = new AppFactory();
        var shop = await app.MerchantAsync();
        Assert.Equal("No account uses nobody@colleagues.example: ask them to sign up first, then add them here.",
            await app.Get<SiteInvitations>().AddOrInviteAsync(shop.Site, shop.User.Id, "nobody@colleagues.example", SiteTeam.Viewer));
    }
}
