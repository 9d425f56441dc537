using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>The Stats API v2's <c>has_done</c> and <c>has_not_done</c>: whole visits with (or without) an event, every event of them counted.</summary>
public sealed class StatsQueryHasDoneApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private const string Day = StatsQueryShop.Day;

    [Fact]
    public async Task Visits_that_converted_with_all_their_pageviews_and_those_that_did_not()
    {
        var (shop, api) = await StatsQueryShop.CreateAsync(_app);
        foreach (var path in StatsQueryShop.ReadPaths)
        {
            async Task<string[]> Rows(string members) => StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, members));

            // Visitors 1 and 3 signed up: their 3 pageviews (1's of / and /pricing, 3's of /), where the goal's own filter keeps none.
            Assert.Equal(["2,3"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}}, "filters": [["has_done", ["is", "event:goal", ["Signup"]]]{{path}}]
                """));
            Assert.Equal(["2,0"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}}, "filters": [["is", "event:goal", ["Signup"]]{{path}}]
                """));
            // The pages the converted visitors saw, and the four who did not convert.
            Assert.Equal(["/=2", "/pricing=1"], await Rows($$"""
                "metrics": ["visitors"], {{Day}}, "dimensions": ["event:page"], "filters": [["has_done", ["is", "event:name", ["Signup"]]]{{path}}]
                """));
            Assert.Equal(["4,4"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}}, "filters": [["has_not_done", ["is", "event:goal", ["Signup"]]]{{path}}]
                """));
            Assert.Equal(["4,4"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}}, "filters": [["not", ["has_done", ["is", "event:goal", ["Signup"]]]]{{path}}]
                """));
            // Who saw a pricing page (1, 4 and 5), by country and source; and those who saw none but the home page (2, 3 and 6).
            Assert.Equal(["Germany=3"], await Rows($$"""
                "metrics": ["visitors"], {{Day}}, "dimensions": ["visit:country_name"], "filters": [["has_done", ["contains", "event:page", ["ricin"]]]{{path}}]
                """));
            Assert.Equal(["Direct / None=Germany=2", "Google=France=1"], await Rows($$"""
                "metrics": ["visitors"], {{Day}}, "dimensions": ["visit:source", "visit:country_name"],
                "filters": [["has_not_done", ["is_not", "event:page", ["/"]]]{{path}}]
                """));
            // A property of the event done: the pro plan's sign-up (visitor 1) and its visit's pageviews, by day.
            Assert.Equal(["2026-11-10=1,2"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}}, "dimensions": ["time:day"], "filters": [["has_done", ["is", "event:props:plan", ["pro"]]]{{path}}]
                """));
        }
    }

    [Fact]
    public async Task Has_done_over_several_filters_and_or_over_has_done_and_other_ors()
    {
        var (shop, api) = await StatsQueryShop.CreateAsync(_app);
        foreach (var path in StatsQueryShop.ReadPaths)
        {
            async Task<string[]> Rows(string members) => StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, members));

            // One event both a sign-up and on the pro plan: visitor 1's, with its visit's 2 pageviews.
            Assert.Equal(["1,2"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}},
                "filters": [["has_done", ["and", [["is", "event:name", ["Signup"]], ["is", "event:props:plan", ["pro"]]]]]{{path}}]
                """));
            // A pricing page or a sign-up: visitors 1, 3, 4 and 5.
            Assert.Equal(["4,5"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}},
                "filters": [["has_done", ["or", [["is", "event:page", ["/pricing"]], ["is", "event:name", ["Signup"]]]]]{{path}}]
                """));
            // No sign-up made on the home page (visitor 3's was): the five others, with all their pageviews.
            Assert.Equal(["5,6"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}},
                "filters": [["has_not_done", ["and", [["is", "event:page", ["/"]], ["is", "event:name", ["Signup"]]]]]{{path}}]
                """));
            // Signed up, or came from France: visitors 1, 3 and 2; an 'or' within the 'or' is its filters among the others'.
            Assert.Equal(["3"], await Rows($$"""
                "metrics": ["visitors"], {{Day}},
                "filters": [["or", [["has_done", ["is", "event:goal", ["Signup"]]], ["is", "visit:country", ["FR"]]]]{{path}}]
                """));
            Assert.Equal(["Direct / None=1", "Google=3"], await Rows($$"""
                "metrics": ["visitors"], {{Day}}, "dimensions": ["visit:source"],
                "filters": [["or", [["or", [["has_done", ["is", "event:goal", ["Signup"]]], ["is", "visit:country", ["FR"]]]], ["is", "visit:source", ["Google"]]]]{{path}}]
                """).ContinueWith(t => t.Result.Order(StringComparer.Ordinal).ToArray()));
        }
    }

    [Fact]
    public async Task Groups_nest_as_written_a_not_of_any_group_and_an_or_of_ands()
    {
        var (shop, api) = await StatsQueryShop.CreateAsync(_app);
        foreach (var path in StatsQueryShop.ReadPaths)
        {
            async Task<string[]> Rows(string members) => StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, members));

            // Neither a pricing page nor a sign-up: visitors 2 and 6 (the four who did either are left out whole).
            Assert.Equal(["2,2"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}},
                "filters": [["not", ["has_done", ["or", [["is", "event:page", ["/pricing"]], ["is", "event:name", ["Signup"]]]]]]{{path}}]
                """));
            // Not a German who signed up (1 and 3): the French visitor 2 and the Germans 4, 5 and 6, all their pageviews.
            Assert.Equal(["4,4"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}},
                "filters": [["not", ["and", [["is", "visit:country", ["DE"]], ["has_done", ["is", "event:goal", ["Signup"]]]]]]{{path}}]
                """));
            // Not (from Google or France, and without a pricing page): only visitor 2 is, so the five others; 1's two pageviews.
            Assert.Equal(["5,6"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}},
                "filters": [["not", ["and", [["or", [["is", "visit:source", ["Google"]], ["is", "visit:country", ["FR"]]]],
                                            ["has_not_done", ["is", "event:page", ["/pricing"]]]]]]{{path}}]
                """));
            // An 'or' of an 'and' and a filter: the Germans from Google (1 and 4), or the French (2); not Germans or Google or French.
            Assert.Equal(["3,4"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}},
                "filters": [["or", [["and", [["is", "visit:country", ["DE"]], ["is", "visit:source", ["Google"]]]], ["is", "visit:country", ["FR"]]]]{{path}}]
                """));
            // An 'or' of a 'not' of an 'or' and a filter: neither from Google nor French (3, 5 and 6), or with a sign-up (1 and 3).
            Assert.Equal(["4,5"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}},
                "filters": [["or", [["not", ["or", [["is", "visit:source", ["Google"]], ["is", "visit:country", ["FR"]]]]],
                                    ["has_done", ["is", "event:goal", ["Signup"]]]]]{{path}}]
                """));
            // Twice turned around is the filter itself: from Google or France, visitors 1, 2 and 4.
            Assert.Equal(["3,4"], await Rows($$"""
                "metrics": ["visitors", "pageviews"], {{Day}},
                "filters": [["not", ["not", ["or", [["is", "visit:source", ["Google"]], ["is", "visit:country", ["FR"]]]]]]{{path}}]
                """));
        }
    }

    [Fact]
    public async Task A_conversion_rate_under_has_done_is_the_goals_among_those_visits()
    {
        var (shop, api) = await StatsQueryShop.CreateAsync(_app);
        // Of the 3 who saw a pricing page, 1 signed up: has_done is no goal of its own.
        Assert.Equal(["1,33.3"], StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop, $$"""
            "metrics": ["visitors", "conversion_rate"], {{Day}}, "filters": [["is", "event:goal", ["Signup"]], ["has_done", ["is", "event:page", ["/pricing"]]]]
            """)));
    }
}
