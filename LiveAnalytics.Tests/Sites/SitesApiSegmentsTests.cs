using System.Net;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using static LiveAnalytics.Tests.Infrastructure.ApiClient;

namespace LiveAnalytics.Tests.Sites;

/// <summary>Segments through the Sites API: a platform sets them up for a shop; the history page's rules hold.</summary>
public sealed class SitesApiSegmentsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public async Task Members_keys_save_change_and_remove_segments_as_the_page_does()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        var (owner, asViewer) = (For(_app, await _app.ApiKeyAsync(shop.User.Id)), For(_app, await _app.ApiKeyAsync(viewer.Id)));
        var domain = shop.Site.Domain;

        var (status, google) = await SendAsync(owner, HttpMethod.Post, "/api/v1/sites/segments",
            $$"""{"site_id": "{{domain}}", "name": " Google from Germany ", "filters": ["source:Google", "country:DE"]}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(("Google from Germany", """["source:Google","country:DE"]""", shop.User.Email, false),
            (google.GetProperty("name").GetString(), google.GetProperty("filters").GetRawText(), google.GetProperty("author").GetString(), google.GetProperty("personal").GetBoolean()));
        (status, var own) = await SendAsync(asViewer, HttpMethod.Post, "/api/v1/sites/segments",
            $$"""{"site_id": "{{domain}}", "name": "Google from Germany", "filters": ["prop:plan:pro"], "personal": true}""");
        Assert.Equal(HttpStatusCode.Created, status);   // the viewer's own, under a name the team's has
        Assert.Equal(["Google from Germany"], (await _app.Get<Segments>().ListAsync(shop.Site.Id, shop.User.Id)).Select(s => s.Name));   // not the owner's to see

        foreach (var (body, expected, reason) in new[]
        {
            ($$"""{"site_id": "{{domain}}", "name": "Google from Germany", "filters": ["source:Google"]}""", HttpStatusCode.Conflict, "exists already"),
            ($$"""{"site_id": "{{domain}}", "name": "Odd", "filters": ["nope:x"]}""", HttpStatusCode.BadRequest, "must be dimension:value"),
            ($$"""{"site_id": "{{domain}}", "name": "Odd", "filters": "source:Google"}""", HttpStatusCode.BadRequest, "'filters' must be a list of strings"),
            ($$"""{"site_id": "{{domain}}", "name": "Odd"}""", HttpStatusCode.BadRequest, "'name' and 'filters' are required."),
            ($$"""{"site_id": "{{domain}}", "name": "Odd", "filters": []}""", HttpStatusCode.BadRequest, "a segment saves the filters"),
            ($$"""{"site_id": "{{domain}}", "name": "Odd", "filters": ["source:Google"], "personal": "yes"}""", HttpStatusCode.BadRequest, "'personal' must be true or false."),
            ($$"""{"site_id": "{{domain}}", "name": "Odd", "filter": ["source:Google"]}""", HttpStatusCode.BadRequest, "Unknown member 'filter'"),
        })
        {
            (status, var problem) = await SendAsync(owner, HttpMethod.Post, "/api/v1/sites/segments", body);
            Assert.True(status == expected, $"{body}: {status}");
            Assert.Contains(reason, Detail(problem));
        }

        // Changed by its author or an owner: what the body leaves out stays; the viewer not the team's owner-made one.
        var (googleId, ownId) = (google.GetProperty("id").GetInt64(), own.GetProperty("id").GetInt64());
        (status, var renamed) = await SendAsync(owner, HttpMethod.Put, $"/api/v1/sites/segments/{googleId}", $$"""{"site_id": "{{domain}}", "name": "Google DE"}""");
        Assert.Equal((HttpStatusCode.OK, "Google DE", """["source:Google","country:DE"]"""),
            (status, renamed.GetProperty("name").GetString(), renamed.GetProperty("filters").GetRawText()));
        (status, var refiltered) = await SendAsync(asViewer, HttpMethod.Put, $"/api/v1/sites/segments/{ownId}", $$"""{"site_id": "{{domain}}", "filters": ["prop:plan:team"]}""");
        Assert.Equal((HttpStatusCode.OK, """["prop:plan:team"]""", true), (status, refiltered.GetProperty("filters").GetRawText(), refiltered.GetProperty("personal").GetBoolean()));
        // Its author shares it with the team, renamed in the same request (the team has a "Google from Germany"), and keeps it again.
        (status, var shared) = await SendAsync(asViewer, HttpMethod.Put, $"/api/v1/sites/segments/{ownId}", $$"""{"site_id": "{{domain}}", "name": "Team plan", "personal": false}""");
        Assert.Equal((HttpStatusCode.OK, "Team plan", false), (status, shared.GetProperty("name").GetString(), shared.GetProperty("personal").GetBoolean()));
        Assert.Contains(await _app.Get<Segments>().ListAsync(shop.Site.Id, shop.User.Id), s => s.Id == ownId);
        (status, var kept) = await SendAsync(asViewer, HttpMethod.Put, $"/api/v1/sites/segments/{ownId}", $$"""{"site_id": "{{domain}}", "personal": true}""");
        Assert.Equal((HttpStatusCode.OK, true), (status, kept.GetProperty("personal").GetBoolean()));
        foreach (var (client, id, body, expected, reason) in new[]
        {
            (asViewer, googleId, """ "name": "Mine" """, HttpStatusCode.Forbidden, "Only its author or the site's owners and admins change a segment."),
            (owner, ownId, """ "name": "Taken over" """, HttpStatusCode.NotFound, "has no segment"),   // the viewer's own: not there for the owner
            (asViewer, googleId, """ "name": "Mine", "personal": true """, HttpStatusCode.Forbidden, "Only its author shares a segment or keeps it to themselves."),
            // Renamed and shared in one statement: the team's name taken refuses both.
            (asViewer, ownId, """ "name": "Google DE", "personal": false """, HttpStatusCode.Conflict, "A segment named 'Google DE' exists already"),
            (owner, googleId, """ "filters": ["page:/\u0001"] """, HttpStatusCode.BadRequest, "control character"),
        })
        {
            (status, var problem) = await SendAsync(client, HttpMethod.Put, $"/api/v1/sites/segments/{id}", $$"""{"site_id": "{{domain}}", {{body}}}""");
            Assert.True(status == expected, $"{body}: {status}");
            Assert.Contains(reason, Detail(problem));
        }
        Assert.Equal(["Google DE", "Team plan"], (await _app.Get<Segments>().ListAsync(shop.Site.Id, viewer.Id)).Select(s => s.Name));

        // Removed by its author or an owner; a stranger's key finds no site.
        (status, var refused) = await SendAsync(asViewer, HttpMethod.Delete, $"/api/v1/sites/segments/{googleId}?site_id={domain}");
        Assert.Equal((HttpStatusCode.Forbidden, "Only its author or the site's owners and admins remove a segment."), (status, Detail(refused)));
        var stranger = For(_app, await _app.ApiKeyAsync((await _app.UserAsync()).Id));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(stranger, HttpMethod.Delete, $"/api/v1/sites/segments/{googleId}?site_id={domain}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(stranger, HttpMethod.Post, "/api/v1/sites/segments",
            $$"""{"site_id": "{{domain}}", "name": "Theirs", "filters": ["source:Google"]}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(owner, HttpMethod.Delete, $"/api/v1/sites/segments/{googleId}?site_id={domain}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(owner, HttpMethod.Delete, $"/api/v1/sites/segments/{googleId}?site_id={domain}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(asViewer, HttpMethod.Delete, $"/api/v1/sites/segments/{ownId}?site_id={domain}")).Status);
        Assert.Empty(await _app.Get<Segments>().ListAsync(shop.Site.Id, viewer.Id));
    }
}
