using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using LiveAnalytics.Tests.Infrastructure;
using Npgsql;

namespace LiveAnalytics.Tests.Stats;

/// <summary>Contract tests of the Plausible v1 timeseries and breakdown endpoints, on events written straight to the table.</summary>
public sealed class StatsSeriesApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private async Task<(HttpClient Api, string Domain)> SiteWithEventsAsync(string timezone, params (DateTimeOffset At, long Visitor, string Name, string Path, string? Source)[] events)
    {
        var user = await _app.UserAsync();
        var site = await _app.Get<LiveAnalytics.Sites.SiteRepository>().CreateAsync(user.Id,
            new LiveAnalytics.Sites.NewSite { Domain = TestData.UniqueDomain(), Name = "Series", Timezone = timezone });
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        foreach (var e in events)
            await conn.ExecuteAsync("""
                INSERT INTO events (id, site_id, ts, name, hostname, pathname, visitor_id, session_id, source)
                VALUES (@id, @siteId, @at, @name, 'shop.example', @path, @visitor, @visitor, @source)
                """, new { id = Guid.NewGuid(), siteId = site!.Id, at = e.At, name = e.Name, path = e.Path, visitor = e.Visitor, source = e.Source });
        // Rows written past the writer are rolled up as a backfill does: their hours marked, then rebuilt.
        await _app.Get<LiveAnalytics.Stats.RollupBackfill>().MarkAsync(site!.Id, CancellationToken.None);
        await _app.RollUpAsync(site.Id);
        var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _app.ApiKeyAsync(user.Id));
        return (api, site!.Domain);
    }

    /// <summary>After more rows written past the writer: rolled up again, so that the table of visits holds their visits too.</summary>
    private async Task RollUpAgainAsync(string domain)
    {
        await using var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var siteId = await conn.ExecuteScalarAsync<long>("SELECT id FROM sites WHERE domain = @domain", new { domain });
        await _app.Get<LiveAnalytics.Stats.RollupBackfill>().MarkAsync(siteId, CancellationToken.None);
        await _app.RollUpAsync(siteId);
    }

    private static async Task<JsonElement> GetAsync(HttpClient api, string url)
    {
        using var response = await api.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("results").Clone();
    }

    [Fact]
    public async Task Visit_metrics_come_from_whole_visits()
    {
        var at = new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero);
        var (api, domain) = await SiteWithEventsAsync("Etc/UTC",
            (at, 1, "pageview", "/a", null), (at.AddMinutes(2), 1, "pageview", "/b", null), (at.AddMinutes(5), 1, "pageview", "/c", null),
            (at.AddHours(1), 2, "pageview", "/a", null),
            (at.AddHours(2), 3, "pageview", "/a", null), (at.AddHours(2).AddMinutes(1), 3, "Signup", "/a", null));
        var url = $"/api/v1/stats/aggregate?site_id={domain}&period=day&date=2026-11-01&metrics=visits,bounce_rate,visit_duration,views_per_visit,pageviews";
        using var response = await api.GetAsync(url);
        var aggregate = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("results");
        Assert.Equal(3, aggregate.GetProperty("visits").GetProperty("value").GetInt64());
        Assert.Equal(67, aggregate.GetProperty("bounce_rate").GetProperty("value").GetInt64());         // 2 of 3 saw one page
        Assert.Equal(120, aggregate.GetProperty("visit_duration").GetProperty("value").GetInt64());     // (300 + 0 + 60) / 3 s
        Assert.Equal(1.67, aggregate.GetProperty("views_per_visit").GetProperty("value").GetDouble());  // 5 / 3

        // By page: /a was in all three visits, and visitor 1's visit did not bounce though it saw /a once.
        var pages = await GetAsync(api, $"/api/v1/stats/breakdown?site_id={domain}&period=day&date=2026-11-01&property=event:page&metrics=visits,bounce_rate,visit_duration");
        var a = pages[0];
        Assert.Equal("/a", a.GetProperty("page").GetString());
        Assert.Equal((3, 67, 120), (a.GetProperty("visits").GetInt64(), a.GetProperty("bounce_rate").GetInt64(), a.GetProperty("visit_duration").GetInt64()));
        Assert.Equal((1, 0, 300), (pages[1].GetProperty("visits").GetInt64(), pages[1].GetProperty("bounce_rate").GetInt64(), pages[1].GetProperty("visit_duration").GetInt64()));

        // Sorted by the first metric even when it is a rate: the bouncing page (none here besides /a) first.
        var byBounce = await GetAsync(api, $"/api/v1/stats/breakdown?site_id={domain}&period=day&date=2026-11-01&property=event:page&metrics=bounce_rate");
        Assert.Equal("/a", byBounce[0].GetProperty("page").GetString());

        var hours = await GetAsync(api, $"/api/v1/stats/timeseries?site_id={domain}&period=day&date=2026-11-01&metrics=visits,bounce_rate");
        Assert.Equal((1, 0), (hours[10].GetProperty("visits").GetInt64(), hours[10].GetProperty("bounce_rate").GetInt64()));
        Assert.Equal((1, 100), (hours[11].GetProperty("visits").GetInt64(), hours[11].GetProperty("bounce_rate").GetInt64()));
        Assert.Equal(0, hours[9].GetProperty("visits").GetInt64());
    }

    [Fact]
    public async Task Timeseries_buckets_local_days_with_zeros_for_empty_ones()
    {
        // Berlin is UTC+1 in November: 23:30 UTC on the 2nd is already the 3rd there.
        var (api, domain) = await SiteWithEventsAsync("Europe/Berlin",
            (new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero), 1, "pageview", "/", null),
            (new DateTimeOffset(2026, 11, 1, 11, 0, 0, TimeSpan.Zero), 1, "pageview", "/hats", null),
            (new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero), 2, "Signup", "/", null),
            (new DateTimeOffset(2026, 11, 2, 23, 30, 0, TimeSpan.Zero), 3, "pageview", "/", null));
        var results = await GetAsync(api, $"/api/v1/stats/timeseries?site_id={domain}&period=7d&date=2026-11-04&metrics=visitors,pageviews,events");
        Assert.Equal(7, results.GetArrayLength());
        var byDate = results.EnumerateArray().ToDictionary(r => r.GetProperty("date").GetString()!, r => r);
        Assert.Equal(["2026-10-29", "2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"], byDate.Keys);
        Assert.Equal((2, 2, 3), (byDate["2026-11-01"].GetProperty("visitors").GetInt64(), byDate["2026-11-01"].GetProperty("pageviews").GetInt64(), byDate["2026-11-01"].GetProperty("events").GetInt64()));
        Assert.Equal(0, byDate["2026-11-02"].GetProperty("visitors").GetInt64());
        Assert.Equal(1, byDate["2026-11-03"].GetProperty("visitors").GetInt64());

        var hours = await GetAsync(api, $"/api/v1/stats/timeseries?site_id={domain}&period=day&date=2026-11-01&metrics=pageviews");
        Assert.Equal(24, hours.GetArrayLength());
        Assert.Equal("2026-11-01 11:00:00", hours[11].GetProperty("date").GetString());   // 10:00 UTC
        Assert.Equal(1, hours[11].GetProperty("pageviews").GetInt64());
        Assert.False(hours[11].TryGetProperty("visitors", out _));
    }

    [Fact]
    public async Task Breakdown_ranks_values_and_filters_combine()
    {
        var at = new DateTimeOffset(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);
        var (api, domain) = await SiteWithEventsAsync("UTC",
            (at, 1, "pageview", "/blog/a", "Google"),
            (at, 2, "pageview", "/blog/b", "Google"),
            (at, 3, "pageview", "/blog/a", "Twitter"),
            (at, 4, "pageview", "/shop", null),
            (at, 4, "pageview", "/shop", null),
            (at, 5, "Signup", "/shop", "Google"));
        var query = $"/api/v1/stats/breakdown?site_id={domain}&period=day&date=2026-11-10";

        var sources = await GetAsync(api, query + "&property=visit:source&metrics=visitors,pageviews");
        Assert.Equal(["Google", "Direct / None", "Twitter"], sources.EnumerateArray().Select(r => r.GetProperty("source").GetString()));
        Assert.Equal(3, sources[0].GetProperty("visitors").GetInt64());
        Assert.Equal(2, sources[0].GetProperty("pageviews").GetInt64());

        var blogFromGoogle = await GetAsync(api, query + "&property=event:page&filters=" + Uri.EscapeDataString("visit:source==Google|Twitter;event:page==/blog*"));
        Assert.Equal(["/blog/a", "/blog/b"], blogFromGoogle.EnumerateArray().Select(r => r.GetProperty("page").GetString()));
        Assert.Equal(2, blogFromGoogle[0].GetProperty("visitors").GetInt64());

        var notGoogle = await GetAsync(api, query + "&property=event:page&filters=" + Uri.EscapeDataString("visit:source!=Google"));
        Assert.Equal(["/blog/a", "/shop"], notGoogle.EnumerateArray().Select(r => r.GetProperty("page").GetString()).Order());

        using (var aggregate = await api.GetAsync($"/api/v1/stats/aggregate?site_id={domain}&period=day&date=2026-11-10&metrics=visitors,events&filters=" + Uri.EscapeDataString("visit:source==Google")))
        {
            var results = JsonDocument.Parse(await aggregate.Content.ReadAsStringAsync()).RootElement.GetProperty("results");
            Assert.Equal(3, results.GetProperty("visitors").GetProperty("value").GetInt64());
            Assert.Equal(3, results.GetProperty("events").GetProperty("value").GetInt64());
        }

        // Entry pages are the visits' first pageviews; visitor 5's visit had none.
        var entries = await GetAsync(api, query + "&property=visit:entry_page&metrics=visitors,visits");
        Assert.Equal(new Dictionary<string, long> { ["/blog/a"] = 2, ["/blog/b"] = 1, ["/shop"] = 1, ["(none)"] = 1 },
            entries.EnumerateArray().ToDictionary(r => r.GetProperty("entry_page").GetString()!, r => r.GetProperty("visits").GetInt64()));
        var landedOnBlog = await GetAsync(api, query + "&property=visit:source&filters=" + Uri.EscapeDataString("visit:entry_page==/blog*"));
        Assert.Equal(["Google", "Twitter"], landedOnBlog.EnumerateArray().Select(r => r.GetProperty("source").GetString()));

        var paged = await GetAsync(api, query + "&property=event:page&limit=1&page=2");
        Assert.Single(paged.EnumerateArray());
    }

    [Fact]
    public async Task Custom_properties_break_down_and_filter_by_name()
    {
        var at = new DateTimeOffset(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);
        var (api, domain) = await SiteWithEventsAsync("UTC", (at, 1, "pageview", "/", "Google"), (at, 4, "pageview", "/", null));
        const string odd = "'; DROP TABLE events; --";
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            foreach (var (visitor, props) in new[] { (1L, """{"plan":"pro"}"""), (2L, """{"plan":"free"}"""), (3L, $$"""{"plan":"pro","{{odd}}":"x"}""") })
                await conn.ExecuteAsync("""
                    INSERT INTO events (id, site_id, ts, name, hostname, pathname, visitor_id, session_id, props)
                    SELECT @id, id, @at, 'Signup', 'shop.example', '/signup', @visitor, @visitor, @props::jsonb FROM sites WHERE domain = @domain
                    """, new { id = Guid.NewGuid(), at = at.AddMinutes(1), visitor, props, domain });
        await RollUpAgainAsync(domain);
        var query = $"/api/v1/stats/breakdown?site_id={domain}&period=day&date=2026-11-10&metrics=visitors,events";

        // Events without the property (the pageviews) are "(none)", as Plausible has it.
        var plans = await GetAsync(api, query + "&property=event:props:plan");
        Assert.Equal([("(none)", 2L, 2L), ("pro", 2L, 2L), ("free", 1L, 1L)],
            plans.EnumerateArray().Select(r => (r.GetProperty("plan").GetString(), r.GetProperty("visitors").GetInt64(), r.GetProperty("events").GetInt64())));
        var signups = await GetAsync(api, query + "&property=event:props:plan&filters=" + Uri.EscapeDataString("event:name==Signup"));
        Assert.Equal(["pro", "free"], signups.EnumerateArray().Select(r => r.GetProperty("plan").GetString()));
        var pro = await GetAsync(api, $"/api/v1/stats/aggregate?site_id={domain}&period=day&date=2026-11-10&metrics=visitors&filters=" + Uri.EscapeDataString("event:props:plan==pro"));
        Assert.Equal(2, pro.GetProperty("visitors").GetProperty("value").GetInt64());
        var fromGoogle = await GetAsync(api, query + "&property=event:props:plan&filters=" + Uri.EscapeDataString("visit:source==Google;event:props:plan==p*"));
        Assert.Equal([("pro", 1L)], fromGoogle.EnumerateArray().Select(r => (r.GetProperty("plan").GetString(), r.GetProperty("visitors").GetInt64())));
        // A property's name is a value, never SQL.
        var oddOnes = await GetAsync(api, query + "&property=" + Uri.EscapeDataString("event:props:" + odd));
        Assert.Equal([("(none)", 3L), ("x", 1L)], oddOnes.EnumerateArray().Select(r => (r.GetProperty(odd).GetString(), r.GetProperty("visitors").GetInt64())));
    }

    /// <summary>
    /// 10 November, 12:00 UTC: visitor 1 comes from Google and signs up; 2 signs up and thanks; 3 comes from Google and
    /// thanks. Goals Signup, a visit to /thank-you/* and Refund, set as a platform sets them, through the Sites API.
    /// </summary>
    private async Task<(HttpClient Api, string Domain)> GoalShopAsync()
    {
        var at = new DateTimeOffset(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);
        var (api, domain) = await SiteWithEventsAsync("UTC",
            (at, 1, "pageview", "/", "Google"), (at.AddMinutes(1), 1, "Signup", "/signup", null),
            (at, 2, "pageview", "/", null), (at.AddMinutes(1), 2, "Signup", "/signup", null), (at.AddMinutes(2), 2, "pageview", "/thank-you/2", null),
            (at, 3, "pageview", "/thank-you/3", "Google"));
        foreach (var goal in new[] { """ "goal_type":"event","event_name":"Signup" """, """ "goal_type":"page","page_path":"/thank-you/*" """, """ "goal_type":"event","event_name":"Refund" """ })
        {
            using var put = await api.PutAsync("/api/v1/sites/goals", new StringContent($$"""{"site_id":"{{domain}}",{{goal}}}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        return (api, domain);
    }

    [Fact]
    public async Task Goals_break_down_and_filter_by_their_labels()
    {
        var (api, domain) = await GoalShopAsync();
        var query = $"/api/v1/stats/breakdown?site_id={domain}&period=day&date=2026-11-10&property=event:goal&metrics=visitors,events";

        var all = await GetAsync(api, query);
        Assert.Equal([("Signup", 2L, 2L), ("Visit /thank-you/*", 2L, 2L), ("Refund", 0L, 0L)],
            all.EnumerateArray().Select(r => (r.GetProperty("goal").GetString(), r.GetProperty("visitors").GetInt64(), r.GetProperty("events").GetInt64())));
        // Google's visits, with their conversions after the landing page.
        var google = await GetAsync(api, query + "&filters=" + Uri.EscapeDataString("visit:source==Google"));
        Assert.Equal([("Signup", 1L), ("Visit /thank-you/*", 1L), ("Refund", 0L)],
            google.EnumerateArray().Select(r => (r.GetProperty("goal").GetString(), r.GetProperty("visitors").GetInt64())));

        var aggregate = $"/api/v1/stats/aggregate?site_id={domain}&period=day&date=2026-11-10&metrics=visitors,pageviews&filters=";
        var signedUp = (await GetAsync(api, aggregate + Uri.EscapeDataString("event:goal==Signup"))).GetProperty("visitors").GetProperty("value").GetInt64();
        Assert.Equal(2, signedUp);
        var thanked = await GetAsync(api, aggregate + Uri.EscapeDataString("event:goal==Visit /thank-you/*"));
        Assert.Equal((2L, 2L), (thanked.GetProperty("visitors").GetProperty("value").GetInt64(), thanked.GetProperty("pageviews").GetProperty("value").GetInt64()));
        var either = await GetAsync(api, aggregate + Uri.EscapeDataString("event:goal==Signup|Visit /thank-you/*"));
        Assert.Equal(3, either.GetProperty("visitors").GetProperty("value").GetInt64());

        using var visitMetric = await api.GetAsync(query.Replace("metrics=visitors,events", "metrics=visitors,bounce_rate"));
        Assert.Equal(HttpStatusCode.BadRequest, visitMetric.StatusCode);
        Assert.Contains("'bounce_rate' does not apply to event:goal", await visitMetric.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Conversion_rates_are_shares_of_the_visitors_the_other_filters_keep()
    {
        var (api, domain) = await GoalShopAsync();
        var day = $"site_id={domain}&period=day&date=2026-11-10";
        string F(string filters) => "&filters=" + Uri.EscapeDataString(filters);
        double Rate(JsonElement e) => e.GetProperty("conversion_rate").GetDouble();

        // Two of the three visitors signed up; one of Google's two.
        var signups = await GetAsync(api, $"/api/v1/stats/aggregate?{day}&metrics=visitors,conversion_rate&compare=previous_period" + F("event:goal==Signup"));
        Assert.Equal(2, signups.GetProperty("visitors").GetProperty("value").GetInt64());
        Assert.Equal(66.7, signups.GetProperty("conversion_rate").GetProperty("value").GetDouble());
        Assert.Equal(66.7, signups.GetProperty("conversion_rate").GetProperty("change").GetDouble());   // points, from nothing the day before
        var google = await GetAsync(api, $"/api/v1/stats/aggregate?{day}&metrics=conversion_rate" + F("visit:source==Google;event:name==Signup"));
        Assert.Equal(50, google.GetProperty("conversion_rate").GetProperty("value").GetDouble());

        // By hour: all of it at noon, nothing (0, not a division by nothing) in the other hours.
        var hours = (await GetAsync(api, $"/api/v1/stats/timeseries?{day}&metrics=visitors,conversion_rate" + F("event:goal==Visit /thank-you/*"))).EnumerateArray().ToList();
        Assert.Equal(24, hours.Count);
        Assert.Equal(66.7, Rate(hours[12]));
        Assert.All(hours.Where((_, i) => i != 12), h => Assert.Equal(0, Rate(h)));

        // Every goal's, of all visitors or of those the filters keep.
        var goals = $"/api/v1/stats/breakdown?{day}&property=event:goal&metrics=visitors,conversion_rate";
        Assert.Equal([("Signup", 66.7), ("Visit /thank-you/*", 66.7), ("Refund", 0)],
            (await GetAsync(api, goals)).EnumerateArray().Select(r => (r.GetProperty("goal").GetString(), Rate(r))));
        Assert.Equal([("Signup", 50), ("Visit /thank-you/*", 50), ("Refund", 0)],
            (await GetAsync(api, goals + F("visit:source==Google"))).EnumerateArray().Select(r => (r.GetProperty("goal").GetString(), Rate(r))));

        // Each source's: Google's two visitors (one signed up), the direct one (who did).
        var sources = await GetAsync(api, $"/api/v1/stats/breakdown?{day}&property=visit:source&metrics=visitors,conversion_rate" + F("event:goal==Signup"));
        Assert.Equal([("Google", 1L, 50.0), ("Direct / None", 1L, 100.0)],
            sources.EnumerateArray().Select(r => (r.GetProperty("source").GetString(), r.GetProperty("visitors").GetInt64(), Rate(r))).OrderByDescending(r => r.Item1));

        var breakdown = $"/api/v1/stats/breakdown?{day}&metrics=visitors,conversion_rate";
        foreach (var (url, error) in new[]
        {
            ($"/api/v1/stats/aggregate?{day}&metrics=conversion_rate" + F("visit:source==Google"), "needs a goal"),
            ($"/api/v1/stats/aggregate?{day}&metrics=conversion_rate" + F("event:goal!=Signup"), "not !="),
            ($"{breakdown}&property=visit:source", "needs a goal"),
            ($"/api/v1/stats/breakdown?{day}&property=visit:source&metrics=conversion_rate" + F("event:goal==Signup"), "put visitors or pageviews first"),
        })
        {
            using var refused = await api.GetAsync(url);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(error, await refused.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData("breakdown?period=day&property=event:props:", "must name a property")]
    [InlineData("aggregate?period=day&filters=event:props:==pro", "must name a property")]
    [InlineData("timeseries?period=day&interval=week", "interval")]
    [InlineData("timeseries?period=day&filters=visit:source", "must look like")]
    [InlineData("timeseries?period=day&filters=visit:ip==1.2.3.4", "not supported")]
    [InlineData("aggregate?period=day&filters=visit:source==Goo%00gle", "control character")]
    [InlineData("breakdown?period=day&property=visit:source&filters=event:goal==Sign%0Aup", "control character")]
    [InlineData("breakdown?period=day", "'property' is required")]
    [InlineData("breakdown?period=day&property=visit:source;DROP TABLE events", "'property' is required")]
    [InlineData("breakdown?period=day&property=visit:source&limit=0", "'limit'")]
    [InlineData("breakdown?period=day&property=visit:source&metrics=time_on_page", "time_on_page")]
    public async Task Bad_parameters_get_400_saying_what_is_wrong(string query, string mentioned)
    {
        var (api, domain) = await SiteWithEventsAsync("UTC");
        using var response = await api.GetAsync($"/api/v1/stats/{query}&site_id={domain}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentioned, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Other_merchants_sites_are_403()
    {
        var (_, domain) = await SiteWithEventsAsync("UTC");
        var stranger = await _app.MerchantAsync();
        var api = _app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _app.ApiKeyAsync(stranger.User.Id));
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/v1/stats/timeseries?site_id={domain}&period=day")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/v1/stats/breakdown?site_id={domain}&period=day&property=event:page")).StatusCode);
    }
}
