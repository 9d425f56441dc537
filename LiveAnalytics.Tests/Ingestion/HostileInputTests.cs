using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Ingestion;

/// <summary>
/// Hostile input on both ingestion endpoints: every request gets a 4xx (never a 5xx), nothing reaches
/// the stream, and the app keeps serving.
/// </summary>
public sealed class HostileInputTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    public static TheoryData<string, byte[]> Beacons()
    {
        const string d = "hostile.shop.example";
        string Url(string path) => $"https://{d}{path}";
        var script = "<script>alert(document.cookie)</script>";
        var sql = "'; DROP TABLE events; --";
        return new TheoryData<string, byte[]>
        {
            { "malformed JSON", Encoding.UTF8.GetBytes("{\"n\":\"pageview\",") },
            { "wrong types", Encoding.UTF8.GetBytes($$"""{"n":true,"u":["{{Url("/")}}"],"d":{"x":1},"p":"[]"}""") },
            { "null body", Encoding.UTF8.GetBytes("null") },
            { "huge body", Encoding.UTF8.GetBytes($$$"""{"n":"pageview","u":"{{{Url("/")}}}","d":"{{{d}}}","p":{"k":"{{{new string('x', 2_000_000)}}}"}}""") },
            { "deep nesting", Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000)) },
            { "deep props", Encoding.UTF8.GetBytes("{\"n\":\"e\",\"u\":\"" + Url("/") + "\",\"d\":\"" + d + "\",\"p\":{\"a\":{\"b\":{\"c\":{\"d\":1}}}}}") },
            { "invalid UTF-8", [.. Encoding.UTF8.GetBytes("{\"n\":\"page"), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes($$"""view","u":"{{Url("/")}}","d":"{{d}}"}""")] },
            { "lone surrogate", Encoding.UTF8.GetBytes($$"""{"n":"\ud800","u":"{{Url("/")}}","d":"{{d}}"}""") },
            { "control characters", Encoding.UTF8.GetBytes($$"""{"n":"page\u0007view\u001b[2J","u":"{{Url("/")}}","d":"{{d}}"}""") },
            { "10,000-character URL", Encoding.UTF8.GetBytes($$"""{"n":"pageview","u":"{{Url("/" + new string('a', 10_000))}}","d":"{{d}}"}""") },
            { "script and SQL in every field", Encoding.UTF8.GetBytes(
                $$$"""{"n":"{{{script}}}","u":"{{{script}}}","d":"{{{sql}}}","r":"{{{sql}}}","p":{"{{{script}}}":"{{{sql}}}"},"$":{"amount":"{{{sql}}}","currency":"{{{script}}}"}}""") },
            { "unknown domain", Encoding.UTF8.GetBytes($$"""{"n":"pageview","u":"{{Url("/")}}","d":"{{d}}"}""") },
            { "forged domain list", Encoding.UTF8.GetBytes($$"""{"n":"pageview","u":"{{Url("/")}}","d":"{{string.Join(",", Enumerable.Range(0, 50).Select(i => $"s{i}.example"))}}"}""") },
        };
    }

    [Theory]
    [MemberData(nameof(Beacons))]
    public async Task Hostile_beacons_get_a_4xx_and_store_nothing(string what, byte[] body)
    {
        var before = await _app.Redis.StreamLengthAsync(_app.StreamKey);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        request.Headers.Add("User-Agent", TestData.Chrome);
        using var response = await _app.CreateClient().SendAsync(request);

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{what}: {(int)response.StatusCode}");
        Assert.Equal(before, await _app.Redis.StreamLengthAsync(_app.StreamKey));
        Assert.Equal(HttpStatusCode.OK, (await _app.CreateClient().GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("2000-01-01T00:00:00Z")]
    [InlineData("2999-01-01T00:00:00Z")]
    [InlineData("-62135596800")]
    [InlineData("99999999999999")]
    public async Task Batch_items_far_in_the_past_or_future_are_rejected(string timestamp)
    {
        var merchant = await _app.MerchantAsync();
        var before = await _app.Redis.StreamLengthAsync(_app.StreamKey);
        var value = timestamp.Contains('T') ? $"\"{timestamp}\"" : timestamp;
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = new StringContent($$"""[{"name":"e","url":"https://{{merchant.Site.Domain}}/","domain":"{{merchant.Site.Domain}}","timestamp":{{value}}}]"""),
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", await _app.ApiKeyAsync(merchant.User.Id)) },
        };
        using var response = await _app.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"rejected\":1", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await _app.Redis.StreamLengthAsync(_app.StreamKey));
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_batch_item_rejects_that_item()
    {
        var merchant = await _app.MerchantAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = new StringContent($$"""[{"name":"\udc00","url":"https://{{merchant.Site.Domain}}/","domain":"{{merchant.Site.Domain}}"}]"""),
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", await _app.ApiKeyAsync(merchant.User.Id)) },
        };
        using var response = await _app.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"rejected\":1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Invalid_utf8_and_deep_nesting_in_a_batch_get_400()
    {
        var merchant = await _app.MerchantAsync();
        var key = await _app.ApiKeyAsync(merchant.User.Id);
        foreach (var body in new byte[][] { [0x5B, 0xFF, 0x5D], Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)) })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new ByteArrayContent(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await _app.CreateClient().SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }
}
