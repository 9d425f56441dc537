using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Ingestion;

public sealed class BatchUnavailableTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task With_Redis_unreachable_the_batch_is_503_and_no_item_is_accepted()
    {
        var merchant = await fixture.App.MerchantAsync();
        var key = await fixture.App.ApiKeyAsync(merchant.User.Id);
        // Same database, a Redis port nothing listens on: nothing can be made durable.
        await using var noRedis = new AppFactory(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=500" });
        var d = merchant.Site.Domain;
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = new StringContent($$"""[{"name":"Order","url":"https://{{d}}/","domain":"{{d}}"},{"name":"e","url":"bad","domain":"{{d}}"}]"""),
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", key) },
        };
        using var response = await noRedis.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(0, json.RootElement.GetProperty("accepted").GetInt32());
        Assert.Equal(["unavailable", "rejected"], json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
    }
}
