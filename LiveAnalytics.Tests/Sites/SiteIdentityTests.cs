using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Bunit;
using Dapper;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Live;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Sites;

/// <summary>A site's name and domain change: history kept, the old domain still taking beacons for a while and held from others.</summary>
public sealed class SiteIdentityTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private SiteIdentity Identity => _app.Get<SiteIdentity>();

    private async Task<HttpStatusCode> BeaconAsync(string domain, string path)
    {
        using var response = await _app.CreateClient().SendAsync(TestData.Pageview(domain, path));
        return response.StatusCode;
    }

    [Fact]
    public async Task A_new_domain_keeps_the_site_and_the_old_one_names_it_until_the_grace_ends()
    {
        var shop = await _app.MerchantAsync();
        var old = shop.Site.Domain;
        var moved = TestData.UniqueDomain();
        Assert.Equal(HttpStatusCode.Accepted, await BeaconAsync(old, "/before"));   // the node holds the old domain in its cache

        var change = await Identity.ChangeAsync(shop.Site, shop.User.Id, " Hats & co ", "https://www." + moved.ToUpperInvariant());
        Assert.Null(change.Error);
        Assert.Equal(new Site(shop.Site.Id, moved, "Hats & co", shop.Site.Timezone), change.Site);
        Assert.Equal(change.Site, await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id));
        var previous = await Identity.PreviousAsync(shop.Site.Id);
        Assert.Equal(old, previous?.Domain);
        Assert.InRange(previous!.Value.Until - DateTimeOffset.UtcNow, SiteIdentity.Grace - TimeSpan.FromMinutes(1), SiteIdentity.Grace);

        // Both domains reach the same site meanwhile: beacons, and the APIs by domain.
        Assert.Equal(HttpStatusCode.Accepted, await BeaconAsync(moved, "/new"));
        Assert.Equal(HttpStatusCode.Accepted, await BeaconAsync(old, "/old-snippet"));
        await _app.Get<EventHub>().WaitForAsync(shop.Site.Id, s => s.Feed.Any(f => f.Pathname == "/new") && s.Feed.Any(f => f.Pathname == "/old-snippet"));
        Assert.Equal(shop.Site.Id, (await _app.Get<SiteRepository>().FindByDomainForUserAsync(old, shop.User.Id))?.Id);
        // Nobody else can take the old domain, by adding a site or by moving theirs.
        var other = await _app.MerchantAsync();
        Assert.Null(await _app.Get<SiteRepository>().CreateAsync(other.User.Id, new NewSite { Domain = old, Name = "Squatter", Timezone = "UTC" }));
        var refused = await Identity.ChangeAsync(other.Site, other.User.Id, other.Site.Name, old);
        Assert.Equal((SiteChangeRefusal.Taken, $"{old} is registered to another site."), (refused.Refusal, refused.Error));
        Assert.Equal(SiteChangeRefusal.Taken, (await Identity.ChangeAsync(other.Site, other.User.Id, other.Site.Name, moved)).Refusal);

        // The grace over, the old domain takes no more beacons, and is free for another site.
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE sites SET previous_domain_until = now() - interval '1 second' WHERE id = @Id", new { shop.Site.Id });
        await _app.Get<SiteDirectory>().ChangedAsync(old);
        Assert.Equal(HttpStatusCode.BadRequest, await BeaconAsync(old, "/too-late"));
        Assert.Null(await Identity.PreviousAsync(shop.Site.Id));
        Assert.Null(await _app.Get<SiteRepository>().FindByDomainForUserAsync(old, shop.User.Id));
        var taken = await Identity.ChangeAsync(other.Site, other.User.Id, other.Site.Name, old);
        Assert.Equal(old, taken.Site?.Domain);
        Assert.Equal(HttpStatusCode.Accepted, await BeaconAsync(moved, "/still"));
    }

    [Fact]
    public async Task Changes_are_checked_and_only_owners_and_admins_make_them()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        var admin = await _app.MemberAsync(shop, SiteTeam.Admin);
        var another = await _app.MerchantAsync();

        Assert.Equal(SiteChangeRefusal.NotAllowed, (await Identity.ChangeAsync(shop.Site, viewer.Id, "Mine now", shop.Site.Domain)).Refusal);
        var invalid = await Identity.ChangeAsync(shop.Site, shop.User.Id, shop.Site.Name, "not a domain");
        Assert.Equal(SiteChangeRefusal.Invalid, invalid.Refusal);
        Assert.Contains("That is not a domain", invalid.Error);
        Assert.Contains("control characters", (await Identity.ChangeAsync(shop.Site, shop.User.Id, "Bell\a", shop.Site.Domain)).Error);
        Assert.Equal(SiteChangeRefusal.Taken, (await Identity.ChangeAsync(shop.Site, shop.User.Id, shop.Site.Name, another.Site.Domain)).Refusal);

        // An admin renames it; its domain and previous domain stay.
        var renamed = await Identity.ChangeAsync(shop.Site, admin.Id, "Renamed", shop.Site.Domain);
        Assert.Equal(shop.Site with { Name = "Renamed" }, renamed.Site);
        Assert.Null(await Identity.PreviousAsync(shop.Site.Id));

        // Moving back within the grace swaps the two.
        var moved = TestData.UniqueDomain();
        Assert.Equal(moved, (await Identity.ChangeAsync(renamed.Site!, shop.User.Id, "Renamed", moved)).Site?.Domain);
        var back = await Identity.ChangeAsync(renamed.Site! with { Domain = moved }, shop.User.Id, "Renamed", shop.Site.Domain);
        Assert.Equal(shop.Site.Domain, back.Site?.Domain);
        Assert.Equal(moved, (await Identity.PreviousAsync(shop.Site.Id))?.Domain);
        // One old domain at a time: another move ends the grace of the one before.
        var third = TestData.UniqueDomain();
        Assert.Equal(third, (await Identity.ChangeAsync(back.Site!, shop.User.Id, "Renamed", third)).Site?.Domain);
        Assert.Equal(shop.Site.Domain, (await Identity.PreviousAsync(shop.Site.Id))?.Domain);
        Assert.Null(await _app.Get<SiteRepository>().FindByDomainForUserAsync(moved, shop.User.Id));
        Assert.NotNull(await _app.Get<SiteRepository>().CreateAsync(another.User.Id, new NewSite { Domain = moved, Name = "Free again", Timezone = "UTC" }));
    }

    [Fact]
    public async Task The_sites_api_renames_moves_and_rezones_a_site()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        var moved = TestData.UniqueDomain();
        async Task<(HttpStatusCode, string)> PutAsync(Guid userId, string domain, string json)
        {
            var client = _app.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _app.ApiKeyAsync(userId));
            using var response = await client.PutAsync($"/api/v1/sites/{domain}", new StringContent(json, Encoding.UTF8, "application/json"));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(viewer.Id, shop.Site.Domain, """{"name":"Viewer's"}""")).Item1);
        Assert.Equal(HttpStatusCode.Conflict, (await PutAsync(shop.User.Id, shop.Site.Domain, $$"""{"domain":"{{(await _app.MerchantAsync()).Site.Domain}}"}""")).Item1);
        Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync(shop.User.Id, shop.Site.Domain, """{"domain":7}""")).Item1);
        var (status, body) = await PutAsync(shop.User.Id, shop.Site.Domain, $$"""{"name":"Moved shop","domain":"{{moved}}"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"\"domain\":\"{moved}\"", body);
        Assert.Contains("\"name\":\"Moved shop\"", body);
        // The old domain still names it for the grace: a name change through it reaches the same site.
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(shop.User.Id, shop.Site.Domain, """{"name":"Via the old domain"}""")).Item1);
        Assert.Equal(new Site(shop.Site.Id, moved, "Via the old domain", shop.Site.Timezone), await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id));

        // The time zone, in a request of its own (it rebuilds the history), with the settings page's rules.
        Assert.Contains("Send what to change", (await PutAsync(shop.User.Id, moved, """{}""")).Item2);
        // A misspelt member is refused, not ignored (the name would have changed and the time zone not).
        Assert.Contains("Unknown member 'timzone': send only 'name', 'domain', 'timezone'.",
            (await PutAsync(shop.User.Id, moved, """{"name":"Berlin shop","timzone":"Europe/Berlin"}""")).Item2);
        Assert.Contains("request of its own", (await PutAsync(shop.User.Id, moved, """{"timezone":"Europe/Berlin","name":"Berlin shop"}""")).Item2);
        Assert.Equal(HttpStatusCode.BadRequest, (await PutAsync(shop.User.Id, moved, """{"timezone":"Mars/Olympus_Mons"}""")).Item1);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(viewer.Id, moved, """{"timezone":"Europe/Berlin"}""")).Item1);
        Assert.Equal("UTC", (await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id))!.Timezone);
        (status, body) = await PutAsync(shop.User.Id, moved, """{"timezone":"Europe/Berlin"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"timezone\":\"Europe/Berlin\"", body);
        Assert.Equal("Europe/Berlin", (await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id))!.Timezone);
    }

    [Fact]
    public async Task The_settings_card_saves_and_says_until_when_the_old_domain_works()
    {
        var shop = await _app.MerchantAsync();
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(SiteIdentity));
        var changed = 0;
        var card = ctx.Render<SiteIdentityCard>(p => p.Add(c => c.Site, shop.Site).Add(c => c.Changed, () => changed++));
        Assert.Empty(card.FindAll("[data-testid=site-previous-domain]"));

        card.On("input[data-testid=site-domain]", e => e.Change("not a domain"));
        card.On("[data-testid=site-identity-save]", e => e.Click());
        card.WaitForAssertion(() => Assert.Contains("That is not a domain", card.Find("[data-testid=site-identity-error]").TextContent));
        Assert.Equal(0, changed);

        var moved = TestData.UniqueDomain();
        card.On("input[data-testid=site-domain]", e => e.Change(moved));
        card.On("[data-testid=site-identity-save]", e => e.Click());
        card.WaitForAssertion(() => Assert.Equal(1, changed));
        // The card renders once the handler (which told the page) has finished: the old error goes then.
        card.WaitForAssertion(() => Assert.Empty(card.FindAll("[data-testid=site-identity-error]")));
        var now = (await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id))!;
        card.Render(p => p.Add(c => c.Site, now));   // the page reloads the site
        card.WaitForAssertion(() => Assert.Contains($"Beacons naming {shop.Site.Domain} still arrive until", card.Find("[data-testid=site-previous-domain]").TextContent));
    }
}
