using System.Net;
using System.Text.Json;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Stats;

/// <summary>The Stats API v2 tests' shop, and how they query it and read its rows.</summary>
internal static class StatsQueryShop
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 10, 12, 0, 0, TimeSpan.Zero);
    public const string Day = "\"date_range\": [\"2026-11-10\", \"2026-11-10\"]";

    /// <summary>
    /// A filter to add after a query's own (a leading comma, or none) so that the same figures are read both ways: from the
    /// table of visits where it answers, and from the raw events (a filter on utm_content, which the table does not keep,
    /// that keeps every visit).
    /// </summary>
    public static readonly string[] ReadPaths = ["", """, ["is_not", "visit:utm_content", ["none-such"]]"""];

    /// <summary>
    /// 10 November, at noon. From Google: 1 in Germany (home, pricing, signs up on the pro plan), 2 in France (home), 4 in
    /// Germany (pricing). Direct from Germany: 3 (home, signs up), 5 (pricing), 6 (home). A goal: Signup.
    /// </summary>
    public static async Task<(Merchant Shop, HttpClient Api)> CreateAsync(AppFactory app)
    {
        var shop = await app.MerchantAsync();
        TrackedEvent At(int minute, long visitor, string? source, string country, string path, string name = TrackedEvent.Pageview) =>
            TestData.Event(shop.Site.Id, Noon.AddMinutes(minute), visitor, path, name) with { Source = source, Country = country };
        await app.Get<EventWriter>().WriteAsync([
            At(0, 1, "Google", "DE", "/"), At(1, 1, "Google", "DE", "/pricing"), At(2, 1, "Google", "DE", "/pricing", "Signup") with { Props = """{"plan":"pro"}""" },
            At(0, 2, "Google", "FR", "/"),
            At(0, 3, null, "DE", "/"), At(1, 3, null, "DE", "/", "Signup"),
            At(0, 4, "Google", "DE", "/pricing"),
            At(0, 5, null, "DE", "/pricing"),
            At(0, 6, null, "DE", "/"),
        ], mayBeRedelivered: false, CancellationToken.None);
        await app.RollUpAsync(shop.Site.Id);
        Assert.Null(await app.Get<Goals>().AddAsync(shop.Site, shop.User.Id, Goal.Event, "Signup"));
        return (shop, ApiClient.For(app, await app.ApiKeyAsync(shop.User.Id)));
    }

    public static async Task<JsonElement> QueryAsync(HttpClient api, Merchant shop, string members)
    {
        var (status, body) = await ApiClient.SendAsync(api, HttpMethod.Post, "/api/v2/query", $$"""{"site_id": "{{shop.Site.Domain}}", {{members}}}""");
        Assert.True(status == HttpStatusCode.OK, $"{members}: {(int)status} {body}");
        return body;
    }

    /// <summary>The rows as text, e.g. <c>Google=2,40</c>; totals without a value.</summary>
    public static string[] Rows(JsonElement body) => body.GetProperty("results").EnumerateArray()
        .Select(r => string.Join("", r.GetProperty("dimensions").EnumerateArray().Select(d => d.GetString() + "=")) +
            string.Join(",", r.GetProperty("metrics").EnumerateArray().Select(m => m.GetRawText()))).ToArray();
}
