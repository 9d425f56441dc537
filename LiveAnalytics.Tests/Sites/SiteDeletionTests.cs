using System.Net;
using Bunit;
using Dapper;
using LiveAnalytics.Persistence;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using LiveAnalytics.Widgets;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LiveAnalytics.Tests.Sites;

public sealed class SiteDeletionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private Task<long> RunJobAsync(long siteId) =>
        new RetentionJob(_app.Get<NpgsqlDataSource>(), TimeProvider.System, NullLogger<RetentionJob>.Instance).RunAsync(siteId, CancellationToken.None);

    [Fact]
    public async Task An_owner_deletes_a_site_its_data_goes_and_its_domain_takes_no_more_events()
    {
        var shop = await _app.MerchantAsync();
        var client = _app.CreateClient();
        using (var before = await client.SendAsync(TestData.Pageview(shop.Site.Domain, "/")))
            Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);   // the node now holds the site in its cache
        var now = DateTimeOffset.UtcNow;
        await _app.Get<EventWriter>().WriteAsync(Enumerable.Range(0, 7).Select(i => TestData.Event(shop.Site.Id, now.AddMinutes(-i), i)).ToArray(),
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        const string Visits = "SELECT count(*) FROM visits WHERE site_id = @Id";
        Assert.True(await conn.ExecuteScalarAsync<long>(Visits, new { shop.Site.Id }) >= 7);
        var token = await _app.Get<WidgetTokens>().CreateAsync(shop.User.Id, shop.Site.Id, "Storefront", [WidgetKind.Visitors], ["https://shop.example.com"]);
        await using var widget = await SseClient.OpenAsync(_app.CreateClient(), $"/widget/visitors/stream?token={token!.Value.Token}");
        await widget.NextAsync("update");

        Assert.True(await _app.Get<SiteDeletion>().DeleteAsync(shop.Site.Id, shop.User.Id));

        Assert.Null(await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id));
        Assert.DoesNotContain(await _app.Get<SiteRepository>().ListForUserAsync(shop.User.Id), s => s.Id == shop.Site.Id);
        using (var after = await client.SendAsync(TestData.Pageview(shop.Site.Domain, "/")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
            Assert.Contains("No site is registered", await after.Content.ReadAsStringAsync());
        }
        // The open widget's stream ends, and its token opens nothing more.
        while (await widget.NextAsync(TimeSpan.FromSeconds(10)) is not null) { }
        using (var again = await _app.CreateClient().GetAsync($"/widget/visitors?token={token.Value.Token}"))
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);

        // Its stored events go with the job's next run; its domain is free for a new site.
        Assert.Equal(7, await TestData.StoredEventsAsync(shop.Site.Id));
        Assert.Equal(7, await RunJobAsync(shop.Site.Id));
        Assert.Equal(0, await TestData.StoredEventsAsync(shop.Site.Id));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(Visits, new { shop.Site.Id }));
        Assert.NotNull(await _app.Get<SiteRepository>().CreateAsync(shop.User.Id, new NewSite { Domain = shop.Site.Domain, Name = "Again", Timezone = "UTC" }));

        // A day on, with nothing left to delete, the site is forgotten.
        const string Row = "SELECT count(*) FROM deleted_sites WHERE site_id = @Id";
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>(Row, new { shop.Site.Id }));
        await conn.ExecuteAsync("UPDATE deleted_sites SET deleted_at = now() - interval '25 hours' WHERE site_id = @Id", new { shop.Site.Id });
        await RunJobAsync(shop.Site.Id);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(Row, new { shop.Site.Id }));
    }

    [Fact]
    public async Task Only_the_owner_may_delete_a_site()
    {
        var shop = await _app.MerchantAsync();
        var stranger = await _app.UserAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();

        Assert.False(await _app.Get<SiteDeletion>().DeleteAsync(shop.Site.Id, stranger.Id));
        Assert.False(await _app.Get<SiteDeletion>().DeleteAsync(shop.Site.Id, viewer.Id));
        Assert.NotNull(await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM deleted_sites WHERE site_id = @Id", new { shop.Site.Id }));
    }

    [Fact]
    public async Task The_settings_card_deletes_only_once_the_domain_is_typed()
    {
        var shop = await _app.MerchantAsync();
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(SiteDeletion));
        var card = ctx.Render<DeleteSiteCard>(p => p.Add(c => c.Site, shop.Site));

        Assert.True(card.Find("[data-testid=delete-site-button]").HasAttribute("disabled"));
        card.On("input[data-testid=delete-site-confirm]", e => e.Input(shop.Site.Domain + "x"));
        Assert.True(card.Find("[data-testid=delete-site-button]").HasAttribute("disabled"));
        card.On("input[data-testid=delete-site-confirm]", e => e.Input(shop.Site.Domain));
        card.On("[data-testid=delete-site-button]", e => e.Click());

        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        card.WaitForAssertion(() => Assert.EndsWith("/sites", nav.Uri));
        Assert.Null(await _app.Get<SiteRepository>().FindForUserAsync(shop.Site.Id, shop.User.Id));
    }
}
