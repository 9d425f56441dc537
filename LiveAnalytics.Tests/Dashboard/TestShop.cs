using LiveAnalytics.Ingestion;
using LiveAnalytics.Persistence;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>A shop of varied visits for the filtered views' tests: three days of 120 visits of 1 to 6 events (orders with a plan), in Berlin.</summary>
internal static class TestShop
{
    public static readonly DateTimeOffset Start = new(2026, 10, 24, 20, 0, 0, TimeSpan.Zero);   // the night Berlin leaves summer time
    public static readonly string[] Pages = ["/", "/hats", "/hats/red", "/cart", "/checkout", "/blog"];
    private static readonly string?[] Sources = ["Google", "Google", "Bing", null, "Newsletter"];
    private static readonly string[] Countries = ["DE", "FR", "US"];
    // Each country's region and some of its cities (others unknown), as a City database gives them.
    private static readonly string[] Regions = ["Bavaria", "Brittany", "California"];
    private static readonly string?[][] Cities = [["Munich", "Nuremberg", null], ["Rennes", null], ["San Francisco", "Los Angeles", null]];

    /// <summary>The events, stored (not rolled up); the source on a visit's first event only, as the tracker sends it.</summary>
    public static async Task<Site> CreateAsync(AppFactory app)
    {
        var user = await app.UserAsync();
        var site = (await app.Get<SiteRepository>().CreateAsync(user.Id,
            new NewSite { Domain = TestData.UniqueDomain(), Name = "Test shop", Timezone = "Europe/Berlin" }))!;
        var random = new Random(7);
        var events = new List<TrackedEvent>();
        for (var visit = 1; visit <= 120; visit++)
        {
            var visitor = 1 + random.Next(80);   // some visitors come back
            var at = Start.AddMinutes(random.Next(3 * 24 * 60));
            var (country, device) = (Countries[visitor % 3], visitor % 4 == 0 ? "mobile" : "desktop");
            var (region, city) = (Regions[visitor % 3], Cities[visitor % 3][visitor / 3 % Cities[visitor % 3].Length]);
            var source = Sources[random.Next(Sources.Length)];
            for (var i = 0; i < 1 + random.Next(6); i++)
            {
                var order = i > 0 && random.Next(5) == 0;
                events.Add(TestData.Event(site.Id, at, visitor, Pages[random.Next(Pages.Length)], order ? "Order" : TrackedEvent.Pageview) with
                {
                    SessionId = visit, Country = country, Region = region, City = city, Device = device, Source = i == 0 ? source : null,
                    Medium = i == 0 && source is not null ? "search" : null,
                    Channel = i > 0 ? null : source switch { null => "Direct", "Newsletter" => "Email", _ => "Organic Search" }, RevenueAmount = order ? 10m * (1 + random.Next(9)) : null,
                    RevenueCurrency = order ? "EUR" : null, Props = order ? $$"""{"plan":"{{(visit % 3 == 0 ? "pro" : "basic")}}"}""" : null,
                });
                at = at.AddMinutes(1 + random.Next(9));
            }
        }
        await app.Get<EventWriter>().WriteAsync([.. events], mayBeRedelivered: false, CancellationToken.None);
        return site;
    }
}
