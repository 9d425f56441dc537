using System.Net;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>The Stats API v2 (<c>POST /api/v2/query</c>): totals, time, a property's values, its filters, and what it refuses.</summary>
public sealed class StatsQueryApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private Task<(Merchant Shop, HttpClient Api)> ShopAsync() => StatsQueryShop.CreateAsync(_app);
    private const string Day = StatsQueryShop.Day;

    [Fact]
    public async Task Totals_and_a_propertys_values_under_filters()
    {
        var (shop, api) = await ShopAsync();
        var totals = await StatsQueryShop.QueryAsync(api, shop, $"\"metrics\": [\"visitors\", \"pageviews\", \"events\"], {Day}");
        Assert.Equal(["6,7,9"], StatsQueryShop.Rows(totals));
        Assert.Equal("""["2026-11-10T00:00:00+00:00","2026-11-10T23:59:59+00:00"]""", totals.GetProperty("query").GetProperty("date_range").GetRawText());

        // Germans by source, with each source's share of them.
        var sources = await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors", "percentage"], {{Day}}, "dimensions": ["visit:source"], "filters": [["is", "visit:country", ["DE"]]]
            """);
        Assert.Equal(["Direct / None=3,60", "Google=2,40"], StatsQueryShop.Rows(sources));
        // contains (1, 4 and 5 saw /pricing), is_not (5 of them not from Google), and a group of them.
        Assert.Equal(["3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "filters": [["contains", "event:page", ["ricin"]]]
            """)));
        Assert.Equal(["1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "filters": [["and", [["contains", "event:page", ["ricin"]], ["is_not", "visit:source", ["Google"]]]]]
            """)));
        // A regular expression: the visits with an event on a page it finds something in (1, 4 and 5 saw /pricing).
        Assert.Equal(["3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "filters": [["matches", "event:page", ["^/pri[a-z]+$"]]]
            """)));
        // Any of two filters on the page: its views of / (4) and of /pricing (3).
        Assert.Equal(["4"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["pageviews"], {{Day}}, "filters": [["is", "event:page", ["/"]]]
            """)));
        Assert.Equal(["7"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["pageviews"], {{Day}}, "filters": [["or", [["is", "event:page", ["/"]], ["contains", "event:page", ["ricin"]]]]]
            """)));
        // The opposite of one filter, and of an 'or' of one property's: the 3 not from Google, the 2 who saw neither / nor /pricing… none.
        Assert.Equal(["3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "filters": [["not", ["is", "visit:source", ["Google"]]]]
            """)));
        Assert.Equal(["3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "filters": [["not", ["not", ["contains", "event:page", ["ricin"]]]]]
            """)));
        Assert.Equal(["1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "filters": [["not", ["or", [["is", "visit:country", ["DE"]], ["is", "visit:country", ["ES"]]]]]]
            """)));
        // A page of the rows, in the order asked for.
        Assert.Equal(["/pricing=3,3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors", "pageviews"], {{Day}}, "dimensions": ["event:page"], "order_by": [["pageviews", "desc"]], "pagination": {"limit": 1, "offset": 1}
            """)));
    }

    [Fact]
    public async Task Countries_by_their_names()
    {
        var (shop, api) = await ShopAsync();
        Assert.Equal(["Germany=5", "France=1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $"\"metrics\": [\"visitors\"], {Day}, \"dimensions\": [\"visit:country_name\"]")));
        Assert.Equal(["1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "filters": [["is", "visit:country_name", ["France", "Spain"]]]
            """)));
        Assert.Equal(["Google=1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "dimensions": ["visit:source"], "filters": [["contains", "visit:country_name", ["Fran"]]]
            """)));
        Assert.Equal(["1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "filters": [["is_not", "visit:country_name", ["Germany"]]]
            """)));
        var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Post, "/api/v2/query",
            $$"""{"site_id": "{{shop.Site.Domain}}", "metrics": ["visitors"], {{Day}}, "filters": [["is", "visit:country_name", ["Germny"]]]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not every value is a country's name; names are English, e.g. Germany", ApiClient.Detail(problem));
    }

    [Fact]
    public async Task Filters_match_letters_in_either_case_when_told_to()
    {
        var (shop, api) = await ShopAsync();
        string Filter(string op, string property, string value, string modifier = ", {\"case_sensitive\": false}") =>
            $$"""{{Day}}, "metrics": ["visitors"], "filters": [["{{op}}", "{{property}}", ["{{value}}"]{{modifier}}]]""";
        Assert.Equal(["0"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("is", "visit:source", "google", modifier: ""))));
        Assert.Equal(["0"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("is", "visit:source", "google", modifier: ", {\"case_sensitive\": true}"))));
        Assert.Equal(["3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("is", "visit:source", "google"))));
        Assert.Equal(["3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("is_not", "visit:source", "GOOGLE"))));
        Assert.Equal(["3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("contains", "event:page", "PRIC"))));
        Assert.Equal(["4"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("contains_not", "event:page", "PRIC"))));   // 1, 2, 3 and 6 saw a page without it
        Assert.Equal(["3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("matches", "event:page", "^/PRI[A-Z]+$"))));
        Assert.Equal(["2"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("is", "event:goal", "signup"))));
        Assert.Equal(["1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("is", "event:props:plan", "PRO"))));
        Assert.Equal(["5"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("is", "visit:country_name", "germany"))));
        Assert.Equal(["1"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, Filter("contains", "visit:country_name", "FRAN"))));
    }

    [Fact]
    public async Task Time_rows_are_the_buckets_with_visitors_and_the_labels_every_bucket()
    {
        var (shop, api) = await ShopAsync();
        var hours = await StatsQueryShop.QueryAsync(api, shop, $"\"metrics\": [\"visitors\"], {Day}, \"dimensions\": [\"time:hour\"], \"include\": {{\"time_labels\": true}}");
        Assert.Equal(["2026-11-10 12:00:00=6"], StatsQueryShop.Rows(hours));
        var labels = hours.GetProperty("meta").GetProperty("time_labels").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Equal(24, labels.Count);
        Assert.Equal(("2026-11-10 00:00:00", "2026-11-10 23:00:00"), (labels[0], labels[^1]));

        var days = await StatsQueryShop.QueryAsync(api, shop, """
            "metrics": ["visitors"], "date_range": ["2026-11-09", "2026-11-11"], "dimensions": ["time"], "order_by": [["time", "desc"]]
            """);
        Assert.Equal(["2026-11-10=6"], StatsQueryShop.Rows(days));

        // All: from the site's first day to today.
        var all = await StatsQueryShop.QueryAsync(api, shop, "\"metrics\": [\"visitors\"], \"date_range\": \"all\"");
        Assert.Equal(["6"], StatsQueryShop.Rows(all));
        Assert.StartsWith("2026-11-10T00:00:00", all.GetProperty("query").GetProperty("date_range")[0].GetString());
        var empty = await _app.MerchantAsync();
        var none = await StatsQueryShop.QueryAsync(ApiClient.For(_app, await _app.ApiKeyAsync(empty.User.Id)), empty, "\"metrics\": [\"visitors\"], \"date_range\": \"all\"");
        Assert.Equal(["0"], StatsQueryShop.Rows(none));

        // Weeks from their Monday (5 November is a Thursday): the first holds the range's Thursday to Sunday.
        var weeks = await StatsQueryShop.QueryAsync(api, shop, """
            "metrics": ["visitors"], "date_range": ["2026-11-05", "2026-11-12"], "dimensions": ["time:week"], "include": {"time_labels": true}
            """);
        Assert.Equal(["2026-11-09=6"], StatsQueryShop.Rows(weeks));
        Assert.Equal("""["2026-11-02","2026-11-09"]""", weeks.GetProperty("meta").GetProperty("time_labels").GetRawText());
    }

    [Fact]
    public async Task Conversion_rates_of_the_totals_of_each_goal_and_of_each_value()
    {
        var (shop, api) = await ShopAsync();
        Assert.Equal(["2,33.3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors", "conversion_rate"], {{Day}}, "filters": [["is", "event:goal", ["Signup"]]]
            """)));
        Assert.Equal(["Signup=2,33.3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors", "conversion_rate"], {{Day}}, "dimensions": ["event:goal"]
            """)));
        // Germans: of Google's two, one signed up; of the three direct, one.
        Assert.Equal(["Direct / None=1,33.3", "Google=1,50"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors", "group_conversion_rate"], {{Day}}, "dimensions": ["visit:source"],
            "filters": [["is", "event:goal", ["Signup"]], ["is", "visit:country", ["DE"]]]
            """)).OrderBy(r => r, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_saved_segment_is_kept_by_its_id()
    {
        var (shop, api) = await ShopAsync();
        Assert.Null(await _app.Get<Segments>().SaveAsync(shop.Site, shop.User.Id, "Google from Germany", [new("source", "Google"), new("country", "DE")]));
        var id = (await _app.Get<Segments>().ListAsync(shop.Site.Id)).Single().Id;
        Assert.Equal(["2"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors"], {{Day}}, "filters": [["is", "segment", [{{id}}]]]
            """)));
        var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Post, "/api/v2/query",
            $$"""{"site_id": "{{shop.Site.Domain}}", "metrics": ["visitors"], {{Day}}, "filters": [["is", "segment", [{{id + 1000}}]]]}""");
        Assert.Equal((HttpStatusCode.BadRequest, $"Site '{shop.Site.Domain}' has no segment {id + 1000}; GET /api/v1/sites/segments lists its segments."),
            (status, ApiClient.Detail(problem)));
    }

    [Theory]
    [InlineData("""{"metrics": ["visitors"], "date_range": "7d"}""", "'site_id' is required")]
    [InlineData("""{"site_id": "SITE", "metrics": [], "date_range": "7d"}""", "'metrics' is required")]
    [InlineData("""{"site_id": "SITE", "metrics": ["exit_rate"], "date_range": "7d"}""", "Unsupported metric 'exit_rate'")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "1h"}""", "'date_range' '1h' is not supported")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": ["2026-11-10", "2026-11-01"]}""", "must not end before it starts")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:source", "event:goal"]}""", "event:goal is a dimension on its own")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["time:day", "time:hour"]}""", "takes one time dimension")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:os", "visit:os"]}""", "names one twice")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:os", "visit:device", "visit:browser", "visit:source"]}""", "at most 3 dimensions")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors", "time_on_page"], "date_range": "7d", "dimensions": ["visit:os", "visit:device"]}""", "Grouped by several dimensions, this version gives visitors")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors", "group_conversion_rate"], "date_range": "7d", "dimensions": ["visit:os", "visit:device"]}""", "needs a goal to convert to")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:os", "visit:city"]}""", "Dimension 'visit:city' is not supported")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:os", "visit:device"], "order_by": [["visit:os", "asc"]]}""", "ordered by one of the metrics")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["time:minute"]}""", "'time:minute' is not supported")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:city"]}""", "'property' is required and must be one of")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["not", ["is", "segment", [1]]]]}""", "'not' is supported over filters of properties and their groups (not of a segment)")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["not", ["and", [["is", "visit:source", ["Google"]], ["is", "segment", [1]]]]]]}""", "'not' is supported over filters of properties and their groups (not of a segment)")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["not", "visit:source"]]}""", "'not' takes one filter")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["matches", "event:page", ["(/blog"]]]}""", "'(/blog' is no regular expression PostgreSQL reads: invalid regular expression: parentheses () not balanced.")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["has_done", "event:page", ["/"]]]}""", "'has_done' takes one filter")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["has_done", ["is", "visit:source", ["Google"]]]]}""", "'has_done' is supported over filters of an event's properties")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["has_done", ["or", [["is", "event:page", ["/"]], ["is", "visit:country", ["DE"]]]]]]}""", "'has_done' is supported over filters of an event's properties")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["has_done", ["has_done", ["is", "event:page", ["/"]]]]]}""", "'has_done' is supported over filters of an event's properties")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["or", [["is", "segment", [1]], ["is", "event:page", ["/a"]]]]]}""", "'or' is supported over filters of properties and their groups (not of segments)")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["has_done", ["and", [["is", "event:name", ["Signup"]], ["matches", "event:page", ["(/x"]]]]]]}""", "'(/x' is no regular expression PostgreSQL reads")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["has_done_ever", ["is", "event:page", ["/"]]]]}""", "'has_done_ever' is not supported in this version")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["matches", "event:goal", ["Sign.*"]]]}""", "a goal is kept by its name")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "visit:source", ["Google"], {"case_sensitive": "no"}]]}""", "the one modifier taken is {\"case_sensitive\": false}")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "visit:source", ["Google"], {"ignore_case": true}]]}""", "the one modifier taken is")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "visit:source", [7]]]}""", "takes its values as strings")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "visit:source", ["Goo\u0000gle"]]]}""", "control character")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "visit:ip", ["1.2.3.4"]]]}""", "Filter property 'visit:ip' is not supported")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "segment", ["Google"]]]}""", "a segment is kept by its id")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:source"], "order_by": [["visitors", "asc"]]}""", "descending")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "pagination": {"limit": 0}}""", "'pagination' takes")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "include": {"legacy_time_on_page_cutoff": true}}""", "'include.legacy_time_on_page_cutoff' is not supported")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "include": {"time_labels": true}}""", "needs a time dimension")]
    [InlineData("""{"site_id": "SITE", "metrics": ["percentage"], "date_range": "7d"}""", "percentage is each value's share")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors", "conversion_rate"], "date_range": "7d", "dimensions": ["visit:source"]}""", "is group_conversion_rate")]
    [InlineData("""{"site_id": "SITE", "metrics": ["conversion_rate"], "date_range": "7d"}""", "needs a goal to convert to")]
    [InlineData("""{"site_id": "SITE", "metrics": ["time_on_page"], "date_range": "7d"}""", "are a page's")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"], "date_range": "7d", "period": "day"}""", "Unknown member 'period'")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"site_id": "SITE", "metrics": ["visitors"],""", "not valid JSON")]
    public async Task Bad_queries_get_400_saying_what_is_wrong(string body, string said)
    {
        var shop = await _app.MerchantAsync();
        var api = ApiClient.For(_app, await _app.ApiKeyAsync(shop.User.Id));
        var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Post, "/api/v2/query", body.Replace("SITE", shop.Site.Domain));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(said, ApiClient.Detail(problem));
    }

    [Fact]
    public async Task Hostile_bodies_get_a_4xx_saying_what_is_wrong()
    {
        var shop = await _app.MerchantAsync();
        var api = ApiClient.For(_app, await _app.ApiKeyAsync(shop.User.Id));
        var nested = $$"""{"site_id": "{{shop.Site.Domain}}", "metrics": ["visitors"], "date_range": "7d", "filters": {{new string('[', 40)}}{{new string(']', 40)}}}""";
        var pages = string.Join(",", Enumerable.Repeat("\"/x\"", 20_000));
        var huge = $$"""{"site_id": "{{shop.Site.Domain}}", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "event:page", [{{pages}}]]]}""";
        foreach (var (body, expected, said) in new[]
        {
            (nested, HttpStatusCode.BadRequest, "not valid JSON"),
            (huge, HttpStatusCode.RequestEntityTooLarge, "larger than 65536 bytes"),
        })
        {
            var (status, problem) = await ApiClient.SendAsync(api, HttpMethod.Post, "/api/v2/query", body);
            Assert.Equal(expected, status);
            Assert.Contains(said, ApiClient.Detail(problem));
        }
        using var invalid = new HttpRequestMessage(HttpMethod.Post, "/api/v2/query")
        {
            Content = new ByteArrayContent([.. "{\"site_id\": \""u8, 0xC3, 0x28, .. "\"}"u8]),
        };
        using var refused = await api.SendAsync(invalid);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("not valid UTF-8", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Only_a_key_that_reaches_the_site_queries_it()
    {
        var shop = await _app.MerchantAsync();
        var body = $$"""{"site_id": "{{shop.Site.Domain}}", "metrics": ["visitors"], "date_range": "7d"}""";
        var stranger = ApiClient.For(_app, await _app.ApiKeyAsync((await _app.MerchantAsync()).User.Id));
        var (status, problem) = await ApiClient.SendAsync(stranger, HttpMethod.Post, "/api/v2/query", body);
        Assert.Equal((HttpStatusCode.Forbidden, $"This API key has no access to site '{shop.Site.Domain}'."), (status, ApiClient.Detail(problem)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await ApiClient.SendAsync(_app.CreateClient(), HttpMethod.Post, "/api/v2/query", body)).Status);
        var (ok, _) = await ApiClient.SendAsync(ApiClient.For(_app, await _app.ApiKeyAsync(shop.User.Id)), HttpMethod.Post, "/api/v2/query", body);
        Assert.Equal(HttpStatusCode.OK, ok);
    }
}
