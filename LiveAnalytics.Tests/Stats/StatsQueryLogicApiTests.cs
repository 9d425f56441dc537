using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>The Stats API v2's <c>or</c> across properties and <c>not</c> over several filters.</summary>
public sealed class StatsQueryLogicApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private const string Day = StatsQueryShop.Day;

    [Fact]
    public async Task Any_of_filters_of_several_properties_and_the_opposite_of_several()
    {
        var (shop, api) = await StatsQueryShop.CreateAsync(_app);
        foreach (var path in StatsQueryShop.ReadPaths)
        {
            async Task<string[]> Rows(string filter, string dimensions = "[]") => StatsQueryShop.Rows(await StatsQueryShop.QueryAsync(api, shop,
                $$"""
                "metrics": ["visitors", "pageviews", "events"], {{Day}}, "dimensions": {{dimensions}}, "filters": [{{filter}}{{path}}]
                """));

            // Visits from France, or not from Google: 2, and 3, 5 and 6.
            Assert.Equal(["4,4,5"], await Rows("""["or", [["is", "visit:country", ["FR"]], ["is_not", "visit:source", ["Google"]]]]"""));
            // Events from France or on /pricing: 2's pageview, and 1's, 4's and 5's on /pricing (1's sign-up there too).
            Assert.Equal(["4,4,5"], await Rows("""["or", [["is", "visit:country", ["FR"]], ["is", "event:page", ["/pricing"]]]]"""));
            Assert.Equal(["Google=3,3,4", "Direct / None=1,1,1"],
                await Rows("""["or", [["is", "visit:country", ["FR"]], ["is", "event:page", ["/pricing"]]]]""", """["visit:source"]"""));
            // Events of visits not from Google, or on /pricing: visitor 1's first pageview (from Google, of /) does not
            // meet it, but its pageview of /pricing does.
            Assert.Equal(["5,5,7"], await Rows("""["or", [["is_not", "visit:source", ["Google"]], ["is", "event:page", ["/pricing"]]]]"""));
            // A goal or a place: the two sign-ups and the Frenchman's pageview.
            Assert.Equal(["3,1,3"], await Rows("""["or", [["is", "event:goal", ["Signup"]], ["is", "visit:country", ["FR"]]]]"""));

            // Not (German and from Google): the Frenchman and the three direct visitors.
            Assert.Equal(["4,4,5"], await Rows("""["not", ["and", [["is", "visit:country", ["DE"]], ["is", "visit:source", ["Google"]]]]]"""));
            // Not (from France or on /pricing): 1's, 3's and 6's events of /, 3's sign-up among them.
            Assert.Equal(["3,3,4"], await Rows("""["not", ["or", [["is", "visit:country", ["FR"]], ["is", "event:page", ["/pricing"]]]]]"""));
        }
    }
}
