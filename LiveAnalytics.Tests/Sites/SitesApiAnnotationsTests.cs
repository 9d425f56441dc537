using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using static LiveAnalytics.Tests.Infrastructure.ApiClient;

namespace LiveAnalytics.Tests.Sites;

/// <summary>Annotations through the Sites API: a deploy script notes its day, the team's keys read and remove them as the page does.</summary>
public sealed class SitesApiAnnotationsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private async Task<HttpClient> ClientAsync(Guid userId) => ApiClient.For(_app, await _app.ApiKeyAsync(userId));

    [Fact]
    public async Task A_deploy_script_annotates_today_and_members_keys_list_and_remove_as_the_page_does()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        var (owner, asViewer) = (await ClientAsync(shop.User.Id), await ClientAsync(viewer.Id));
        var domain = shop.Site.Domain;
        var today = SiteClock.Today(shop.Site, TimeProvider.System);
        var earlier = today.AddDays(-3).ToString("yyyy-MM-dd");

        // Without a date: today in the site's time zone.
        var (status, deployed) = await SendAsync(owner, HttpMethod.Post, "/api/v1/sites/annotations", $$"""{"site_id": "{{domain}}", "text": " v1.4 deployed "}""");
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal((today.ToString("yyyy-MM-dd"), "v1.4 deployed", shop.User.Email), (deployed.GetProperty("date").GetString(), deployed.GetProperty("text").GetString(), deployed.GetProperty("author").GetString()));
        (status, var sale) = await SendAsync(asViewer, HttpMethod.Post, "/api/v1/sites/annotations", $$"""{"site_id": "{{domain}}", "date": "{{earlier}}", "text": "Sale <b>started</b>"}""");
        Assert.Equal(HttpStatusCode.Created, status);   // a viewer's key too
        Assert.Equal(["Sale <b>started</b>", "v1.4 deployed"], (await _app.Get<Annotations>().ListAsync(shop.Site.Id, today.AddDays(-3), today)).Select(a => a.Text));   // the page's

        var all = await owner.GetFromJsonAsync<JsonElement>($"/api/v1/sites/annotations?site_id={domain}");
        Assert.Equal([earlier, today.ToString("yyyy-MM-dd")], all.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("date").GetString()));
        var recent = await asViewer.GetFromJsonAsync<JsonElement>($"/api/v1/sites/annotations?site_id={domain}&from={today.AddDays(-1):yyyy-MM-dd}");
        Assert.Equal(["v1.4 deployed"], recent.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("text").GetString()));

        // Refused, saying why.
        foreach (var (body, reason) in new[]
        {
            ($$"""{"site_id": "{{domain}}", "text": "x", "date": "27/11/2026"}""", "'date' must be a day as YYYY-MM-DD"),
            ($$"""{"site_id": "{{domain}}", "text": "  "}""", "Write the annotation in 1 to 200 characters"),
            ($$"""{"site_id": "{{domain}}", "text": 7}""", "'site_id', 'date' and 'text' must be strings."),
            ($$"""{"site_id": "{{domain}}", "note": "x"}""", "Unknown member 'note'"),
            ("""{"text": "x"}""", "'site_id' is required"),
            ($$"""{"site_id": "{{domain}}", "text": "x", "date": "1999-01-01"}""", "Date the annotation between 2000-01-01 and"),
        })
        {
            (status, var bad) = await SendAsync(owner, HttpMethod.Post, "/api/v1/sites/annotations", body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{body}: {status}");
            Assert.Contains(reason, Detail(bad));
        }
        (status, var problem) = await SendAsync(owner, HttpMethod.Get, $"/api/v1/sites/annotations?site_id={domain}&from=yesterday");
        Assert.Equal((HttpStatusCode.BadRequest, "'from' must be a day as YYYY-MM-DD, e.g. 2026-11-27, not 'yesterday'."), (status, Detail(problem)));
        (status, problem) = await SendAsync(owner, HttpMethod.Get, $"/api/v1/sites/annotations?site_id={domain}&from=2026-11-02&to=2026-11-01");
        Assert.Equal((HttpStatusCode.BadRequest, "'to' must not be before 'from'."), (status, Detail(problem)));
        var stranger = await ClientAsync((await _app.UserAsync()).Id);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(stranger, HttpMethod.Get, $"/api/v1/sites/annotations?site_id={domain}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(stranger, HttpMethod.Post, "/api/v1/sites/annotations", $$"""{"site_id": "{{domain}}", "text": "x"}""")).Status);

        // Changed by its author or an owner: what the body leaves out stays; the viewer not the owner's.
        var (deployedId, saleId) = (deployed.GetProperty("id").GetInt64(), sale.GetProperty("id").GetInt64());
        (status, var fixedUp) = await SendAsync(owner, HttpMethod.Put, $"/api/v1/sites/annotations/{deployedId}", $$"""{"site_id": "{{domain}}", "text": "v1.4.1 deployed"}""");
        Assert.Equal((HttpStatusCode.OK, "v1.4.1 deployed", today.ToString("yyyy-MM-dd")), (status, fixedUp.GetProperty("text").GetString(), fixedUp.GetProperty("date").GetString()));
        (status, var moved) = await SendAsync(asViewer, HttpMethod.Put, $"/api/v1/sites/annotations/{saleId}", $$"""{"site_id": "{{domain}}", "date": "{{today:yyyy-MM-dd}}"}""");
        Assert.Equal((HttpStatusCode.OK, "Sale <b>started</b>", today.ToString("yyyy-MM-dd")), (status, moved.GetProperty("text").GetString(), moved.GetProperty("date").GetString()));
        foreach (var (client, id, body, expected, reason) in new[]
        {
            (asViewer, deployedId, """ "text": "mine" """, HttpStatusCode.Forbidden, "Only its author or the site's owners and admins change an annotation."),
            (owner, deployedId, """ "text": "" """, HttpStatusCode.BadRequest, "Write the annotation in 1 to 200 characters"),
            (owner, deployedId, """ "date": "soon" """, HttpStatusCode.BadRequest, "'date' must be a day as YYYY-MM-DD"),
            (owner, deployedId + saleId, """ "text": "x" """, HttpStatusCode.NotFound, "has no annotation"),
            (stranger, deployedId, """ "text": "x" """, HttpStatusCode.NotFound, domain),
        })
        {
            (status, problem) = await SendAsync(client, HttpMethod.Put, $"/api/v1/sites/annotations/{id}", $$"""{"site_id": "{{domain}}", {{body}}}""");
            Assert.True(status == expected, $"{body}: {status}");
            Assert.Contains(reason, Detail(problem));
        }
        Assert.Equal(["v1.4.1 deployed", "Sale <b>started</b>"], (await _app.Get<Annotations>().ListAsync(shop.Site.Id, today, today)).Select(a => a.Text));   // by day, then as added

        // Removed by its author or an owner; the viewer not the owner's.
        (status, problem) = await SendAsync(asViewer, HttpMethod.Delete, $"/api/v1/sites/annotations/{deployedId}?site_id={domain}");
        Assert.Equal((HttpStatusCode.Forbidden, "Only its author or the site's owners and admins remove an annotation."), (status, Detail(problem)));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(stranger, HttpMethod.Delete, $"/api/v1/sites/annotations/{saleId}?site_id={domain}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(asViewer, HttpMethod.Delete, $"/api/v1/sites/annotations/{saleId}?site_id={domain}")).Status);
        (status, problem) = await SendAsync(owner, HttpMethod.Delete, $"/api/v1/sites/annotations/{saleId}?site_id={domain}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("has no annotation", Detail(problem));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(owner, HttpMethod.Delete, $"/api/v1/sites/annotations/<script>?site_id={domain}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(owner, HttpMethod.Delete, $"/api/v1/sites/annotations/{deployedId}?site_id={domain}")).Status);
        Assert.Empty((await owner.GetFromJsonAsync<JsonElement>($"/api/v1/sites/annotations?site_id={domain}")).GetProperty("annotations").EnumerateArray());
    }
}
