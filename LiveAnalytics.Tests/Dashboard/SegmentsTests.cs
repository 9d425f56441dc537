using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using Dapper;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Dashboard.Pages;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Retention;
using LiveAnalytics.Sites;
using LiveAnalytics.Stats;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>Filters saved under a name for the team: what is refused, who removes one, and picking one on the page.</summary>
public sealed class SegmentsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DashboardFilter Google = new("source", "Google"), Germany = new("country", "DE"), Pro = new("prop:plan", "pro");

    [Fact]
    public async Task Members_save_filters_under_a_name_and_read_them_back_as_the_page_takes_them()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        var segments = _app.Get<Segments>();
        Assert.Null(await segments.SaveAsync(shop.Site, shop.User.Id, "  Google from Germany ", [Google, Germany]));
        Assert.Null(await segments.SaveAsync(shop.Site, viewer, "pro plan", [Pro]));   // a viewer too

        var listed = await segments.ListAsync(shop.Site.Id);
        Assert.Equal(["Google from Germany", "pro plan"], listed.Select(s => s.Name));
        Assert.Equal([Google, Germany], listed[0].Filters);
        Assert.Equal([Pro], listed[1].Filters);
        Assert.Equal((shop.User.Id, shop.User.Email), (listed[0].AuthorId!.Value, listed[0].Author));
        Assert.True(listed[0].Matches([Germany, Google]));   // in any order
        Assert.False(listed[0].Matches([Google]));
        Assert.Empty(await segments.ListAsync((await _app.MerchantAsync()).Site.Id));
    }

    [Fact]
    public async Task Bad_segments_and_strangers_are_refused_with_the_reason()
    {
        var shop = await _app.MerchantAsync();
        var segments = _app.Get<Segments>();
        Assert.Equal(Refusal.NotAllowed("Only the site's members save its segments."), await segments.SaveAsync(shop.Site, (await _app.UserAsync()).Id, "Google", [Google]));
        var unnamed = "Name the segment in 1 to 60 characters, e.g. Google visitors from Germany.";
        Assert.Equal(Refusal.Invalid(unnamed), await segments.SaveAsync(shop.Site, shop.User.Id, " ", [Google]));
        Assert.Equal(Refusal.Invalid(unnamed), await segments.SaveAsync(shop.Site, shop.User.Id, new string('x', 61), [Google]));
        Assert.Equal(Refusal.Invalid(unnamed), await segments.SaveAsync(shop.Site, shop.User.Id, "a\tb", [Google]));
        Assert.Equal(Refusal.Invalid("Filter the page first: a segment saves the filters it shows."), await segments.SaveAsync(shop.Site, shop.User.Id, "All", []));
        Assert.StartsWith("Filter 'nope:x' must be dimension:value", (await segments.SaveAsync(shop.Site, shop.User.Id, "Odd", [new DashboardFilter("nope", "x")]))?.Message);
        Assert.Equal(Refusal.Invalid("At most 10 filters can be combined."),
            await segments.SaveAsync(shop.Site, shop.User.Id, "Many", [.. Enumerable.Range(0, 11).Select(i => new DashboardFilter("page", $"/{i}"))]));

        Assert.Null(await segments.SaveAsync(shop.Site, shop.User.Id, "Google", [Google]));
        Assert.Equal(Refusal.Conflict("A segment named 'Google' exists already: pick another name, or remove that one first."),
            await segments.SaveAsync(shop.Site, shop.User.Id, "Google", [Germany]));
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("INSERT INTO segments (site_id, name, filters, created_at) SELECT @Id, 'n' || i, ARRAY['page:/'], now() FROM generate_series(2, @max) i",
                new { shop.Site.Id, max = Segments.MaxPerSite });
        Assert.Equal(Refusal.Conflict($"A site can have at most {Segments.MaxPerSite} segments; remove one first."), await segments.SaveAsync(shop.Site, shop.User.Id, "One more", [Germany]));
        Assert.Equal(Segments.MaxPerSite, (await segments.ListAsync(shop.Site.Id)).Count);
    }

    /// <summary>A segment "By the owner" (source:Google) and one "By the viewer" (country:DE), and their ids by name.</summary>
    private async Task<(Merchant Shop, Guid Viewer, Segments Segments, Dictionary<string, long> Ids)> TwoAuthorsAsync()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        var segments = _app.Get<Segments>();
        Assert.Null(await segments.SaveAsync(shop.Site, shop.User.Id, "By the owner", [Google]));
        Assert.Null(await segments.SaveAsync(shop.Site, viewer, "By the viewer", [Germany]));
        return (shop, viewer, segments, (await segments.ListAsync(shop.Site.Id)).ToDictionary(s => s.Name, s => s.Id));
    }

    [Fact]
    public async Task Its_author_or_an_owner_or_admin_removes_a_segment()
    {
        var (shop, viewer, segments, ids) = await TwoAuthorsAsync();

        Assert.Equal(Refusal.NotAllowed("Only its author or the site's owners and admins remove a segment."), await segments.RemoveAsync(shop.Site, viewer, ids["By the owner"]));
        var other = await _app.MerchantAsync();
        Assert.Equal(Refusal.NotAllowed("Only the site's members change its segments."), await segments.RemoveAsync(shop.Site, other.User.Id, ids["By the viewer"]));
        Assert.Null(await segments.RemoveAsync(other.Site, other.User.Id, ids["By the viewer"]));   // another site's id: nothing removed
        Assert.Equal(2, (await segments.ListAsync(shop.Site.Id)).Count);
        Assert.Null(await segments.RemoveAsync(shop.Site, viewer, ids["By the viewer"]));
        Assert.Null(await segments.RemoveAsync(shop.Site, shop.User.Id, ids["By the owner"]));
        Assert.Empty(await segments.ListAsync(shop.Site.Id));
    }

    [Fact]
    public async Task Its_author_or_an_owner_or_admin_renames_a_segment_or_gives_it_other_filters()
    {
        var (shop, viewer, segments, ids) = await TwoAuthorsAsync();

        Assert.Null(await segments.UpdateAsync(shop.Site, viewer, ids["By the viewer"], " Germans on the pro plan ", [Germany, Pro]));
        Assert.Null(await segments.UpdateAsync(shop.Site, shop.User.Id, ids["By the owner"], "Google", [Google]));   // the owner, a renaming
        var listed = await segments.ListAsync(shop.Site.Id);
        Assert.Equal([("Germans on the pro plan", ids["By the viewer"]), ("Google", ids["By the owner"])], listed.Select(s => (s.Name, s.Id)));
        Assert.Equal([Germany, Pro], listed[0].Filters);
        Assert.Equal(viewer, listed[0].AuthorId);   // still the viewer's

        Assert.Equal(Refusal.NotAllowed("Only its author or the site's owners and admins change a segment."),
            await segments.UpdateAsync(shop.Site, viewer, ids["By the owner"], "Mine now", [Germany]));
        Assert.Equal(Refusal.NotAllowed("Only the site's members change its segments."),
            await segments.UpdateAsync(shop.Site, (await _app.UserAsync()).Id, ids["By the owner"], "Theirs", [Google]));
        Assert.Equal(Refusal.Conflict("A segment named 'Google' exists already: pick another name, or remove that one first."),
            await segments.UpdateAsync(shop.Site, shop.User.Id, ids["By the viewer"], "Google", [Germany]));
        Assert.Equal(Refusal.Invalid("Filter the page first: a segment saves the filters it shows."), await segments.UpdateAsync(shop.Site, shop.User.Id, ids["By the owner"], "Google", []));
        var other = await _app.MerchantAsync();
        Assert.Equal(Refusal.Gone("That segment was removed meanwhile."),
            await segments.UpdateAsync(other.Site, other.User.Id, ids["By the owner"], "Taken over", [Germany]));   // another site's id
        Assert.Equal(["Germans on the pro plan", "Google"], (await segments.ListAsync(shop.Site.Id)).Select(s => s.Name));
    }

    [Fact]
    public async Task A_personal_segment_is_its_authors_alone_and_goes_with_their_account()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        var segments = _app.Get<Segments>();
        Assert.Null(await segments.SaveAsync(shop.Site, viewer, "Mine", [Germany], personal: true));
        Assert.Null(await segments.SaveAsync(shop.Site, shop.User.Id, "Mine", [Google], personal: true));   // another's own: the same name
        Assert.Null(await segments.SaveAsync(shop.Site, viewer, "Mine", [Pro]));   // and the team's
        Assert.Equal(Refusal.Conflict("A segment named 'Mine' exists already: pick another name, or remove that one first."),
            await segments.SaveAsync(shop.Site, viewer, "Mine", [Google], personal: true));

        var viewers = await segments.ListAsync(shop.Site.Id, viewer);
        Assert.Equal([("Mine", false, Pro), ("Mine", true, Germany)], viewers.Select(s => (s.Name, s.Personal, s.Filters.Single())));
        Assert.Equal([("Mine", false), ("Mine", true)], (await segments.ListAsync(shop.Site.Id, shop.User.Id)).Select(s => (s.Name, s.Personal)));
        Assert.Equal([Pro], (await segments.ListAsync(shop.Site.Id)).Single().Filters);   // without a user, the team's

        // The owner neither changes nor removes the viewer's own (nor learns it is there).
        var viewersOwn = viewers[1].Id;
        Assert.Equal(Refusal.Gone("That segment was removed meanwhile."), await segments.UpdateAsync(shop.Site, shop.User.Id, viewersOwn, "Taken over", [Google]));
        Assert.Null(await segments.RemoveAsync(shop.Site, shop.User.Id, viewersOwn));
        Assert.Equal(2, (await segments.ListAsync(shop.Site.Id, viewer)).Count);
        Assert.Null(await segments.UpdateAsync(shop.Site, viewer, viewersOwn, "Still mine", [Germany, Google]));
        Assert.True((await segments.ListAsync(shop.Site.Id, viewer)).Single(s => s.Name == "Still mine").Personal);

        // Deleting the account takes its own segments; the team's it wrote stay, authorless.
        Assert.Null(await _app.Get<LiveAnalytics.Accounts.AccountDeletion>().DeleteAsync(viewer));
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        Assert.Equal(["Mine"], await conn.QueryAsync<string>("SELECT name FROM segments WHERE site_id = @Id AND NOT personal", new { shop.Site.Id }));
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM segments WHERE site_id = @Id AND personal", new { shop.Site.Id }));   // the owner's
        Assert.Null((await segments.ListAsync(shop.Site.Id)).Single().AuthorId);
    }

    [Fact]
    public async Task Its_author_shares_a_personal_segment_with_the_team_or_keeps_one_and_a_member_who_leaves_takes_theirs()
    {
        var (shop, viewer, segments, ids) = await TwoAuthorsAsync();
        Assert.Null(await segments.SaveAsync(shop.Site, viewer, "By the owner", [Pro], personal: true));
        var own = (await segments.ListAsync(shop.Site.Id, viewer)).Single(s => s.Personal).Id;

        Assert.Equal(Refusal.Conflict("The team has a segment of that name already: rename this one first."), await segments.ShareAsync(shop.Site, viewer, own, personal: false));
        Assert.Null(await segments.UpdateAsync(shop.Site, viewer, own, "Pro plan", [Pro]));
        Assert.Null(await segments.ShareAsync(shop.Site, viewer, own, personal: false));
        Assert.Contains(await segments.ListAsync(shop.Site.Id, shop.User.Id), s => s.Id == own && !s.Personal);   // the owner sees it now
        Assert.Null(await segments.ShareAsync(shop.Site, viewer, own, personal: false));   // so already

        // Only its author: the owner, who may rename and remove the team's, hides none of them from the team.
        Assert.Equal(Refusal.NotAllowed("Only its author shares a segment or keeps it to themselves."), await segments.ShareAsync(shop.Site, shop.User.Id, own, personal: true));
        Assert.Equal(Refusal.NotAllowed("Only the site's members change its segments."), await segments.ShareAsync(shop.Site, (await _app.UserAsync()).Id, own, personal: true));
        Assert.Null(await segments.ShareAsync(shop.Site, viewer, ids["By the viewer"], personal: true));
        Assert.DoesNotContain(await segments.ListAsync(shop.Site.Id, shop.User.Id), s => s.Id == ids["By the viewer"]);
        Assert.Equal(Refusal.Gone("That segment was removed meanwhile."), await segments.ShareAsync(shop.Site, shop.User.Id, ids["By the viewer"], personal: false));

        // Removed from the team, the viewer's own go; the team's they wrote stay.
        Assert.Null(await _app.Get<SiteTeam>().RemoveAsync(shop.Site.Id, shop.User.Id, viewer));
        Assert.Equal(["By the owner", "Pro plan"], (await segments.ListAsync(shop.Site.Id, viewer)).Select(s => s.Name));
    }

    [Fact]
    public async Task The_history_page_saves_a_segment_for_its_author_alone()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        await using var ctx = HistoryContext(shop, out var auth, out _, out var view);
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.On("[data-testid=segment-save]", e => e.Click());
        page.On("[data-testid=segment-form] input[type=text]", e => e.Change("Just mine"));
        page.On("[data-testid=segment-personal]", e => e.Change(true));
        page.On("[data-testid=segment-form]", e => e.Submit());
        page.WaitForAssertion(() => Assert.Equal(["All visits", "Just mine (only you)"], page.FindAll("[data-testid=segment] option").Select(o => o.TextContent)));
        Assert.True((await _app.Get<Segments>().ListAsync(shop.Site.Id, shop.User.Id)).Single().Personal);
        // Shared with the team and kept again.
        page.On("[data-testid=segment-share]", e => e.Click());
        page.WaitForAssertion(() => Assert.Equal(["All visits", "Just mine"], page.FindAll("[data-testid=segment] option").Select(o => o.TextContent)));
        Assert.Equal("Keep it to myself", page.Find("[data-testid=segment-share]").TextContent.Trim());
        page.On("[data-testid=segment-share]", e => e.Click());
        page.WaitForAssertion(() => Assert.Equal(["All visits", "Just mine (only you)"], page.FindAll("[data-testid=segment] option").Select(o => o.TextContent)));

        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, viewer.ToString()));
        var asViewer = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        asViewer.WaitForElement("[data-testid=segment-save]");
        Assert.Empty(asViewer.FindAll("[data-testid=segment] option"));   // no segment the viewer sees: no list
    }

    /// <summary>A context for the shop's history page of 5 October (<paramref name="view"/>), signed in as its owner, at
    /// that page filtered by source:Google.</summary>
    private BunitContext HistoryContext(Merchant shop, out BunitAuthorizationContext auth, out NavigationManager nav, out string view)
    {
        var ctx = ComponentContext.For(_app, null, [.. ComponentContext.HistoryPage, typeof(LiveAnalytics.Live.EventHub)]);
        ctx.Services.AddSingleton(TimeProvider.System);
        auth = ctx.SignIn(shop.User);
        nav = ctx.Services.GetRequiredService<NavigationManager>();
        view = $"/sites/{shop.Site.Id}/history?period=custom&from=2026-10-05&to=2026-10-05";
        nav.NavigateTo(view + "&f=source%3AGoogle");
        return ctx;
    }

    [Fact]
    public async Task The_history_page_renames_the_segment_shown_and_updates_the_one_picked_to_changed_filters()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        var segments = _app.Get<Segments>();
        Assert.Null(await segments.SaveAsync(shop.Site, shop.User.Id, "From Google", [Google]));
        var id = (await segments.ListAsync(shop.Site.Id)).Single().Id;

        await using var ctx = HistoryContext(shop, out var auth, out var nav, out var view);
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));

        // The segment shown: renamed in a form that starts from its name.
        page.On("[data-testid=segment-rename]", e => e.Click());
        Assert.Equal("From Google", page.WaitForElement("[data-testid=segment-form] input").GetAttribute("value"));
        page.On("[data-testid=segment-form] input", e => e.Change("Google"));
        page.On("[data-testid=segment-form]", e => e.Submit());
        page.WaitForAssertion(() => Assert.Equal(["All visits", "Google"], page.FindAll("[data-testid=segment] option").Select(o => o.TextContent)));

        // A filter added to it: saved as a new one, or kept in the one picked.
        nav.NavigateTo(view + "&f=source%3AGoogle&f=country%3ADE");
        page.On("[data-testid=segment-update]", e => e.Click());
        page.WaitForAssertion(() => Assert.Equal(id.ToString(), page.Find("[data-testid=segment]").GetAttribute("value")));
        Assert.Equal([Google, Germany], (await segments.ListAsync(shop.Site.Id)).Single().Filters);
        Assert.Empty(page.FindAll("[data-testid=segment-update]"));
        // The address names the segment picked: a reload (or a link) with changed filters still offers to update it.
        nav.NavigateTo(view + $"&f=source%3AGoogle&segment={id}");
        var reloaded = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        Assert.Equal("Update \"Google\" to these filters", reloaded.WaitForElement("[data-testid=segment-update]").TextContent);

        // A viewer picks it and changes its filters: saves them as another, but neither updates nor renames the owner's.
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, viewer.ToString()));
        nav.NavigateTo(view + "&f=source%3AGoogle&f=country%3ADE");
        var asViewer = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        asViewer.WaitForElement("[data-testid=segment]");
        Assert.Empty(asViewer.FindAll("[data-testid=segment-rename]"));
        nav.NavigateTo(view + "&f=source%3AGoogle");
        asViewer.WaitForElement("[data-testid=segment-save]");
        Assert.Empty(asViewer.FindAll("[data-testid=segment-update]"));
    }

    [Fact]
    public async Task The_history_page_saves_its_filters_as_a_segment_picks_one_and_removes_it()
    {
        var (shop, viewer) = await _app.MerchantWithViewerAsync();
        var at = new DateTimeOffset(2026, 10, 5, 12, 0, 0, TimeSpan.Zero);
        await _app.Get<EventWriter>().WriteAsync([TestData.Event(shop.Site.Id, at, 1, "/") with { Source = "Google" }, TestData.Event(shop.Site.Id, at, 2, "/")],
            mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        Assert.Null(await _app.Get<Segments>().SaveAsync(shop.Site, viewer, "<i>Germans</i>", [Germany]));

        await using var ctx = HistoryContext(shop, out var auth, out var nav, out var view);
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForAssertion(() => Assert.Equal("1", page.Find("[data-testid=metric-visitors]").TextContent));

        // Filters no segment has: offered to save; the list names the saved ones as text.
        // (The segments load on their own: waited for.)
        page.WaitForAssertion(() => Assert.Equal(["All visits", "These filters", "<i>Germans</i>"], page.FindAll("[data-testid=segment] option").Select(o => o.TextContent)));
        Assert.Empty(page.FindAll("[data-testid=segment] i"));
        page.On("[data-testid=segment-save]", e => e.Click());
        page.On("[data-testid=segment-form] input", e => e.Change("From Google"));
        page.On("[data-testid=segment-form]", e => e.Submit());
        page.WaitForAssertion(() => Assert.Equal(["All visits", "<i>Germans</i>", "From Google"], page.FindAll("[data-testid=segment] option").Select(o => o.TextContent)));
        var saved = (await _app.Get<Segments>().ListAsync(shop.Site.Id)).Single(s => s.Name == "From Google");
        Assert.Equal([Google], saved.Filters);
        Assert.Equal(saved.Id.ToString(), page.Find("[data-testid=segment]").GetAttribute("value"));   // the page's filters are it now

        // Picking one puts its filters (and itself) in the address, the period kept; All visits takes them away.
        var germans = (await _app.Get<Segments>().ListAsync(shop.Site.Id)).Single(s => s.Name == "<i>Germans</i>").Id.ToString();
        page.On("[data-testid=segment]", e => e.Change(germans));
        page.WaitForAssertion(() => Assert.EndsWith(view + $"&f=country%3ADE&segment={germans}", nav.Uri));
        page.On("[data-testid=segment]", e => e.Change(""));
        page.WaitForAssertion(() => Assert.EndsWith(view, nav.Uri));

        // The viewer may remove their own, not the owner's.
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, viewer.ToString()));
        nav.NavigateTo(view + "&f=source%3AGoogle");
        var asViewer = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        asViewer.WaitForElement("[data-testid=segment]");
        Assert.Empty(asViewer.FindAll("[data-testid=segment-remove]"));
        nav.NavigateTo(view + "&f=country%3ADE");
        asViewer = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        asViewer.On("[data-testid=segment-remove]", e => e.Click());
        asViewer.WaitForAssertion(() => Assert.Equal(["All visits", "These filters", "From Google"], asViewer.FindAll("[data-testid=segment] option").Select(o => o.TextContent)));
    }
}
