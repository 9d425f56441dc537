using System.Net;
using System.Text.Json;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>The history page's saved segments named in the Stats API's filters (<c>segment==NAME</c>), and listed by the Sites API.</summary>
public sealed class StatsSegmentsApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private static readonly DateTimeOffset Noon = new(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly DashboardFilter Google = new("source", "Google"), Germany = new("country", "DE");

    /// <summary>
    /// 10 November: 1 from Google in Germany (home, then signs up), 2 from Google in France, 3 direct from Germany (signs
    /// up), 4 from Google in Germany (pricing). Saved: "Google from Germany", "Germans; signed up" (a goal and a ';').
    /// </summary>
    private async Task<(Merchant Shop, HttpClient Api, string Day)> ShopAsync()
    {
        var shop = await _app.MerchantAsync();
        TrackedEvent At(int minute, long visitor, string? source, string country, string path = "/", string name = TrackedEvent.Pageview) =>
            TestData.Event(shop.Site.Id, Noon.AddMinutes(minute), visitor, path, name) with { Source = source, Country = country };
        await _app.Get<EventWriter>().WriteAsync([
            At(0, 1, "Google", "DE"), At(1, 1, "Google", "DE", "/signup", "Signup"),
            At(0, 2, "Google", "FR"),
            At(0, 3, null, "DE"), At(1, 3, null, "DE", "/signup", "Signup"),
            At(0, 4, "Google", "DE", "/pricing"),
        ], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);
        var segments = _app.Get<Segments>();
        Assert.Null(await segments.SaveAsync(shop.Site, shop.User.Id, "Google from Germany", [Google, Germany]));
        Assert.Null(await segments.SaveAsync(shop.Site, shop.User.Id, "Germans; signed up", [Germany, new DashboardFilter("goal", "Signup")]));
        return (shop, ApiClient.For(_app, await _app.ApiKeyAsync(shop.User.Id)), $"site_id={shop.Site.Domain}&period=day&date=2026-11-10");
    }

    private static async Task<JsonElement> ResultsAsync(HttpClient api, string url)
    {
        var (status, body) = await ApiClient.SendAsync(api, HttpMethod.Get, url);
        Assert.True(status == HttpStatusCode.OK, $"{url}: {(int)status} {body}");
        return body.GetProperty("results");
    }

    private static string F(string filters) => "&filters=" + Uri.EscapeDataString(filters);

    private static long Visitors(JsonElement aggregate) => aggregate.GetProperty("visitors").GetProperty("value").GetInt64();

    [Fact]
    public async Task A_segment_keeps_what_its_filters_keep_with_the_requests_own()
    {
        var (_, api, day) = await ShopAsync();
        var aggregate = $"/api/v1/stats/aggregate?{day}&metrics=visitors,pageviews";
        Assert.Equal(4, Visitors(await ResultsAsync(api, aggregate)));
        var segment = await ResultsAsync(api, aggregate + F("segment==Google from Germany"));
        Assert.Equal((2L, 2L), (Visitors(segment), segment.GetProperty("pageviews").GetProperty("value").GetInt64()));
        Assert.Equal(1, Visitors(await ResultsAsync(api, aggregate + F("segment==Google from Germany;event:page==/pricing"))));
        // Two segments: what both keep (Germans from Google who signed up).
        Assert.Equal(1, Visitors(await ResultsAsync(api, aggregate + F("segment==Google from Germany;segment==" + await IdAsync(api, day, "Germans; signed up")))));

        var series = await ResultsAsync(api, $"/api/v1/stats/timeseries?{day}&interval=date&metrics=visitors" + F("segment==Google from Germany"));
        Assert.Equal("""[{"date":"2026-11-10","visitors":2}]""", series.GetRawText());
        var countries = await ResultsAsync(api, $"/api/v1/stats/breakdown?{day}&property=visit:country&metrics=visitors" + F("segment == Google from Germany"));
        Assert.Equal("""[{"country":"DE","visitors":2}]""", countries.GetRawText());
    }

    [Fact]
    public async Task A_segments_goal_is_converted_to_as_the_history_page_counts_it()
    {
        var (_, api, day) = await ShopAsync();
        var id = await IdAsync(api, day, "Germans; signed up");
        // Germans: 1, 3 and 4; 1 and 3 signed up.
        var germans = await ResultsAsync(api, $"/api/v1/stats/aggregate?{day}&metrics=visitors,conversion_rate" + F($"segment=={id}"));
        Assert.Equal((2L, 66.7), (Visitors(germans), germans.GetProperty("conversion_rate").GetProperty("value").GetDouble()));
        // A goal beside a segment without one: Google's Germans, 1 of 2.
        var google = await ResultsAsync(api, $"/api/v1/stats/aggregate?{day}&metrics=conversion_rate" + F("segment==Google from Germany;event:goal==Signup"));
        Assert.Equal(50, google.GetProperty("conversion_rate").GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task A_funnel_counts_the_segments_visits()
    {
        var (shop, api, day) = await ShopAsync();
        Assert.Null(await _app.Get<Funnels>().AddAsync(shop.Site, shop.User.Id, "Home to signup", [(Goal.Page, "/"), (Goal.Event, "Signup")]));
        var funnel = $"/api/v1/stats/funnel?{day}&funnel=" + Uri.EscapeDataString("Home to signup");
        Assert.Equal([3L, 2L], (await ResultsAsync(api, funnel)).EnumerateArray().Select(s => s.GetProperty("visitors").GetInt64()));
        Assert.Equal([1L, 1L], (await ResultsAsync(api, funnel + F("segment==Google from Germany"))).EnumerateArray().Select(s => s.GetProperty("visitors").GetInt64()));
    }

    [Fact]
    public async Task A_segment_that_is_not_the_sites_or_is_left_out_gets_400_saying_so()
    {
        var (_, api, day) = await ShopAsync();
        var other = await _app.MerchantAsync();
        Assert.Null(await _app.Get<Segments>().SaveAsync(other.Site, other.User.Id, "Theirs", [Google]));
        var theirs = (await _app.Get<Segments>().ListAsync(other.Site.Id)).Single().Id;
        var aggregate = $"/api/v1/stats/aggregate?{day}&metrics=visitors";
        foreach (var (filters, said) in new[]
        {
            ("segment==Theirs", "has no segment named 'Theirs'; it has: Germans; signed up, Google from Germany"),
            ($"segment=={theirs}", $"has no segment named '{theirs}'"),
            ("segment!=Google from Germany", "only kept (segment==NAME), not left out"),
            ("segment==Google from Germany|Theirs", "has no segment named 'Google from Germany|Theirs'"),
            ("segment==Google from Germany;visit:ip==1.2.3.4", "or segment==NAME for a saved segment"),
        })
        {
            foreach (var endpoint in new[] { aggregate, $"/api/v1/stats/timeseries?{day}", $"/api/v1/stats/breakdown?{day}&property=visit:source" })
            {
                var (status, body) = await ApiClient.SendAsync(api, HttpMethod.Get, endpoint + F(filters));
                Assert.Equal(HttpStatusCode.BadRequest, status);
                Assert.Contains(said, ApiClient.Detail(body));
            }
        }
    }

    [Fact]
    public async Task A_members_own_segment_is_theirs_alone_in_the_api()
    {
        var (shop, api, day) = await ShopAsync();
        var viewer = await _app.MemberAsync(shop, LiveAnalytics.Sites.SiteTeam.Viewer);
        Assert.Null(await _app.Get<Segments>().SaveAsync(shop.Site, viewer.Id, "Private", [Germany], personal: true));
        Assert.Null(await _app.Get<Segments>().SaveAsync(shop.Site, shop.User.Id, "Owner's own", [Google], personal: true));
        var asViewer = ApiClient.For(_app, await _app.ApiKeyAsync(viewer.Id));

        var (_, listed) = await ApiClient.SendAsync(asViewer, HttpMethod.Get, $"/api/v1/sites/segments?site_id={shop.Site.Domain}");
        Assert.Equal([("Germans; signed up", false), ("Google from Germany", false), ("Private", true)],
            listed.GetProperty("segments").EnumerateArray().Select(s => (s.GetProperty("name").GetString(), s.GetProperty("personal").GetBoolean())));
        Assert.Equal(3, Visitors(await ResultsAsync(asViewer, $"/api/v1/stats/aggregate?{day}" + F("segment==Private"))));   // 1, 3 and 4, the Germans
        var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Get, $"/api/v1/stats/aggregate?{day}" + F("segment==Private"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("has no segment named 'Private'", ApiClient.Detail(problem));
        Assert.Equal(3, Visitors(await ResultsAsync(api, $"/api/v1/stats/aggregate?{day}" + F("segment==Owner's own"))));   // 1, 2 and 4, from Google
    }

    [Fact]
    public async Task The_sites_api_lists_the_segments_with_their_filters_to_members_only()
    {
        var (shop, api, day) = await ShopAsync();
        var (status, body) = await ApiClient.SendAsync(api, HttpMethod.Get, $"/api/v1/sites/segments?site_id={shop.Site.Domain}");
        Assert.Equal(HttpStatusCode.OK, status);
        var listed = body.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(["Germans; signed up", "Google from Germany"], listed.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal("""["source:Google","country:DE"]""", listed[1].GetProperty("filters").GetRawText());
        Assert.Equal(shop.User.Email, listed[1].GetProperty("author").GetString());
        Assert.True(listed[1].GetProperty("id").GetInt64() > 0);

        var stranger = ApiClient.For(_app, await _app.ApiKeyAsync((await _app.MerchantAsync()).User.Id));
        var (refused, problem) = await ApiClient.SendAsync(stranger, HttpMethod.Get, $"/api/v1/sites/segments?site_id={shop.Site.Domain}");
        Assert.Equal(HttpStatusCode.NotFound, refused);
        Assert.Contains(shop.Site.Domain, ApiClient.Detail(problem));
        var (forbidden, _) = await ApiClient.SendAsync(stranger, HttpMethod.Get, $"/api/v1/stats/aggregate?{day}" + F("segment==Google from Germany"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
    }

    private static async Task<long> IdAsync(HttpClient api, string day, string name)
    {
        var (_, body) = await ApiClient.SendAsync(api, HttpMethod.Get, "/api/v1/sites/segments?" + day.Split('&')[0]);
        return body.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name).GetProperty("id").GetInt64();
    }
}
