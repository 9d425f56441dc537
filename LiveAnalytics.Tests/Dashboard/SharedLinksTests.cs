using Bunit;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Dashboard.Pages;
using LiveAnalytics.Persistence;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>Shared links: a site's history dashboard, read-only, for whoever holds the link; made and revoked by owners and admins.</summary>
public sealed class SharedLinksTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private SharedLinks Links => _app.Get<SharedLinks>();

    private static string TokenOf(string path) => path[SharedLinks.PathPrefix.Length..];

    [Fact]
    public async Task A_link_finds_its_site_until_it_is_revoked_and_only_its_hash_is_kept()
    {
        var shop = await _app.MerchantAsync();
        var (path, error) = await Links.CreateAsync(shop.Site, shop.User.Id, "  Our agency ");
        Assert.Null(error);
        Assert.StartsWith("/share/ls_", path);
        var token = TokenOf(path!);
        Assert.Equal(shop.Site, await Links.FindSiteAsync(token));
        Assert.Equal(["Our agency"], (await Links.ListAsync(shop.Site.Id)).Select(l => l.Name));
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
        {
            var row = await conn.QuerySingleAsync<string>("SELECT l::text FROM shared_links l WHERE site_id = @Id", shop.Site);
            Assert.DoesNotContain(token[3..], row);
            Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token))), row);
        }

        Assert.Null(await Links.FindSiteAsync(token[..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(await Links.FindSiteAsync("lw_" + token[3..]));   // a widget token's shape is no link

        var other = await _app.MerchantAsync();
        Assert.Equal(SiteTeam.SettingsRefused, await Links.RevokeAsync(shop.Site, other.User.Id, (await Links.ListAsync(shop.Site.Id))[0].Id));
        Assert.Null(await Links.RevokeAsync(other.Site, other.User.Id, (await Links.ListAsync(shop.Site.Id))[0].Id));   // not its site's link
        Assert.NotNull(await Links.FindSiteAsync(token));
        Assert.Null(await Links.RevokeAsync(shop.Site, shop.User.Id, (await Links.ListAsync(shop.Site.Id))[0].Id));
        Assert.Null(await Links.FindSiteAsync(token));
        Assert.Empty(await Links.ListAsync(shop.Site.Id));
    }

    [Fact]
    public async Task A_link_given_a_lifetime_stops_working_when_it_ends()
    {
        var shop = await _app.MerchantAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var links = new SharedLinks(_app.Get<NpgsqlDataSource>(), _app.Get<SiteTeam>(), clock);
        Assert.Equal("A link works for 7, 30, 90, 365 days, or until revoked.", (await links.CreateAsync(shop.Site, shop.User.Id, "Quarter", 10)).Error);
        var token = TokenOf((await links.CreateAsync(shop.Site, shop.User.Id, "Quarter", 7)).Path!);
        Assert.Equal(clock.GetUtcNow().AddDays(7), (await links.ListAsync(shop.Site.Id)).Single().ExpiresAt!.Value, TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Equal(shop.Site, await links.FindSiteAsync(token));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await links.FindSiteAsync(token));
        Assert.Empty(await links.ListAsync(shop.Site.Id));
    }

    [Fact]
    public async Task Only_owners_and_admins_make_links_and_a_link_needs_a_name()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        Assert.Equal((null, SiteTeam.SettingsRefused), await Links.CreateAsync(shop.Site, viewer.Id, "Mine"));
        Assert.Contains("Name the link", (await Links.CreateAsync(shop.Site, shop.User.Id, " ")).Error);
        var admin = await _app.MemberAsync(shop, SiteTeam.Admin);
        Assert.Null((await Links.CreateAsync(shop.Site, admin.Id, "Board")).Error);
    }

    [Fact]
    public async Task The_page_shows_the_sites_history_read_only_and_a_revoked_link_shows_nothing()
    {
        var shop = await _app.MerchantAsync();
        var at = new DateTimeOffset(2026, 10, 5, 12, 0, 0, TimeSpan.Zero);
        await _app.Get<EventWriter>().WriteAsync(
            [TestData.Event(shop.Site.Id, at, 1, "/") with { Source = "Google" }, TestData.Event(shop.Site.Id, at.AddMinutes(1), 2, "/hats") with { Source = "Bing" }],
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        var token = TokenOf((await Links.CreateAsync(shop.Site, shop.User.Id, "Agency")).Path!);
        Assert.Null(await _app.Get<Annotations>().AddAsync(shop.Site, shop.User.Id, new DateOnly(2026, 10, 5), "Internal: supplier late"));

        await using var ctx = ComponentContext.For(_app, user: null,
            [.. ComponentContext.HistoryPage, typeof(SharedLinks), typeof(TimeProvider), typeof(LiveAnalytics.Live.EventHub)]);
        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo($"/share/{token}?period=custom&from=2026-10-05&to=2026-10-05");

        var page = ctx.Render<SharedHistoryPage>(p => p.Add(c => c.Token, token));
        page.WaitForAssertion(() => Assert.Equal("2", page.Find("[data-testid=metric-visitors]").TextContent));
        Assert.Contains("read-only link", page.Markup);
        Assert.Empty(page.FindAll("[data-testid=export]"));
        Assert.DoesNotContain($"/sites/{shop.Site.Id}", page.Markup);   // no way to the site's pages or settings
        page.WaitForElement("[data-testid=funnels-none]");
        Assert.DoesNotContain("Manage", page.Markup);
        Assert.DoesNotContain("supplier late", page.Markup);   // annotations are the team's own
        Assert.Empty(page.FindAll("[data-testid=annotations], [data-testid=chart-annotation]"));

        // A click filters, and the view stays on the link.
        page.On("[data-testid=top-source] tr[data-value=Google]", e => e.Click());
        page.WaitForAssertion(() => Assert.EndsWith($"/share/{token}?period=custom&from=2026-10-05&to=2026-10-05&f=source%3AGoogle", nav.Uri));

        Assert.Null(await Links.RevokeAsync(shop.Site, shop.User.Id, (await Links.ListAsync(shop.Site.Id))[0].Id));
        var revoked = ctx.Render<SharedHistoryPage>(p => p.Add(c => c.Token, token));
        revoked.WaitForElement("[data-testid=shared-link-gone]");
        Assert.DoesNotContain(shop.Site.Domain, revoked.Markup);
    }
}
