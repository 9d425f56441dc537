using System.Net;
using LiveAnalytics.Live;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Ingestion;

/// <summary>X-Forwarded-For names the client only when the connection comes from a configured proxy.</summary>
public sealed class ForwardedForTests
{
    private static readonly IPAddress Proxy = IPAddress.Parse("192.0.2.10");

    [Theory]
    [InlineData(null, 1)]                 // no proxies configured: the header is ignored, both beacons are one visitor
    [InlineData("198.51.100.0/24", 1)]    // the connection is not from a trusted range: ignored too
    [InlineData("192.0.2.10", 2)]         // a trusted proxy: each forwarded client is its own visitor
    [InlineData("192.0.2.0/24", 2)]
    public async Task Visitors_are_told_apart_by_forwarded_ip_only_behind_trusted_proxies(string? trusted, int visitors)
    {
        var settings = new Dictionary<string, string?>();
        if (trusted is not null) settings["Ingestion:TrustedProxies:0"] = trusted;
        await using var app = new RemoteAddressAppFactory(Proxy, settings);   // as if through a reverse proxy
        var merchant = await app.MerchantAsync();
        var client = app.CreateClient();
        foreach (var clientIp in new[] { "203.0.113.1", "203.0.113.2" })
        {
            using var beacon = TestData.Pageview(merchant.Site.Domain, "/");
            beacon.Headers.Add("X-Forwarded-For", clientIp);
            using var response = await client.SendAsync(beacon);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        var live = await app.Get<EventHub>().WaitForAsync(merchant.Site.Id, s => s.Feed.Count == 2);
        Assert.Equal(visitors, live.VisitorsOnline);
    }
}
