using System.Globalization;
using System.Text.RegularExpressions;
using Bunit;
using LiveAnalytics.Dashboard;
using LiveAnalytics.Dashboard.Pages;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Dashboard;

/// <summary>The Locations card's map: the world's countries from the npm data, shaded by the view's visitors, a click to filter.</summary>
public sealed partial class CountryMapTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public void The_world_is_read_from_the_data_files_with_alpha_2_codes_in_the_maps_units()
    {
        var countries = new WorldMap().Countries;
        var codes = countries.Select(c => c.Code).ToHashSet();
        Assert.True(codes.Count >= 170, $"{codes.Count} countries");
        Assert.Superset(new HashSet<string> { "DE", "FR", "US", "BR", "JP", "AU", "ZA", "XK", "GB", "RU", "FJ" }, codes);
        Assert.DoesNotContain("AQ", codes);   // Antarctica: no store's visitors
        Assert.All(countries, c => Assert.Matches(@"^(M-?[0-9.]+,[0-9.]+l-?[0-9.]+,-?[0-9.]+( -?[0-9.]+,-?[0-9.]+)*Z)+$", c.Path));

        // Germany lies between 5.9° and 15.0° E, 47.3° and 55.1° N: x = longitude + 180, y = 84° N − latitude.
        var germany = Points(countries.Single(c => c.Code == "DE").Path);
        Assert.InRange(germany.Min(p => p.X), 185.5, 186.5);
        Assert.InRange(germany.Max(p => p.X), 194.5, 195.5);
        Assert.InRange(germany.Min(p => p.Y), 28.5, 29.5);
        Assert.InRange(germany.Max(p => p.Y), 36.2, 37.2);
        var all = countries.SelectMany(c => Points(c.Path)).ToList();
        Assert.All(all, p => Assert.True(p.Y is >= 0 and <= WorldMap.Height, $"{p}"));
        // No outline runs across the map: a ring over the 180th meridian goes on past the edge (and again from the other).
        foreach (var country in countries)
            foreach (var ring in country.Path.Split('M', StringSplitOptions.RemoveEmptyEntries))
            {
                var points = Points(ring);
                Assert.All(points.Zip(points.Skip(1)), s => Assert.True(Math.Abs(s.First.X - s.Second.X) < 90, $"{country.Code}: {s}"));
            }
        var fiji = Points(countries.Single(c => c.Code == "FJ").Path);
        Assert.Contains(fiji, p => p.X is > 355 and <= 360);   // east of the meridian, on the map's right edge
        Assert.Contains(fiji, p => p.X is >= 0 and < 5);       // and west of it, on the left
    }

    [Fact]
    public async Task The_land_is_one_file_anyone_may_fetch_kept_for_good_at_its_versioned_address()
    {
        using var client = _app.CreateClient();   // no login: shared dashboards draw the map too
        var href = _app.Get<MapLand>().Href;
        var url = href[..href.IndexOf('#')];
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Accept-Encoding", "br;q=1, gzip;q=0.8" } } };
        using var zipped = await client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, zipped.StatusCode);
        Assert.Equal("image/svg+xml", zipped.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["gzip"], zipped.Content.Headers.ContentEncoding);
        Assert.Equal("public, max-age=31536000, immutable", zipped.Headers.CacheControl!.ToString());
        await using var unzip = new System.IO.Compression.GZipStream(await zipped.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
        var svg = System.Xml.Linq.XDocument.Load(unzip);
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        var land = svg.Root!.Elements(ns + "g").Single(g => (string?)g.Attribute("id") == "land");
        Assert.True(land.Elements(ns + "path").Count() >= 170);
        Assert.Contains("Germany (DE)", land.Elements(ns + "path").Select(p => p.Element(ns + "title")!.Value));
        Assert.Equal(new WorldMap().Countries.Single(c => c.Code == "DE").Path,
            land.Elements(ns + "path").Single(p => p.Element(ns + "title")!.Value == "Germany (DE)").Attribute("d")!.Value);

        // Asked again with the tag it has: nothing to send.
        using var again = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "If-None-Match", zipped.Headers.ETag!.ToString() } } };
        Assert.Equal(System.Net.HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
        // Without the version (or an old one) and without gzip: the plain file, looked at again in minutes.
        using var plain = await client.GetAsync(MapLand.Path + "?v=0123456789abcdef");
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        Assert.Equal("public, max-age=300", plain.Headers.CacheControl!.ToString());
        Assert.Equal(svg.ToString(System.Xml.Linq.SaveOptions.DisableFormatting),
            System.Xml.Linq.XDocument.Parse(await plain.Content.ReadAsStringAsync()).ToString(System.Xml.Linq.SaveOptions.DisableFormatting));
    }

    [Theory]
    [InlineData(0, 100, 0)]
    [InlineData(1, 100, 1)]
    [InlineData(5, 100, 2)]      // √0.05 = 0.22: a fifth of the way up the scale
    [InlineData(25, 100, 3)]
    [InlineData(64, 100, 4)]
    [InlineData(99, 100, 5)]
    [InlineData(100, 100, 5)]
    public void Shades_rise_with_the_square_root_of_the_share(long visitors, long max, int shade) =>
        Assert.Equal(shade, MapShapes.Shade(visitors, max));

    [Fact]
    public async Task The_map_tab_shades_the_views_countries_and_a_click_filters_by_one()
    {
        var shop = await _app.MerchantAsync();
        var day = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        await _app.Get<EventWriter>().WriteAsync([
            TestData.Event(shop.Site.Id, day, 1) with { Country = "DE" }, TestData.Event(shop.Site.Id, day.AddMinutes(1), 2) with { Country = "DE" },
            TestData.Event(shop.Site.Id, day.AddMinutes(2), 3) with { Country = "DE" }, TestData.Event(shop.Site.Id, day.AddMinutes(3), 4) with { Country = "FR" },
            TestData.Event(shop.Site.Id, day.AddMinutes(4), 5),   // no country known
        ], mayBeRedelivered: false, CancellationToken.None);
        await _app.RollUpAsync(shop.Site.Id);

        await using var ctx = ComponentContext.For(_app, null,
            [.. ComponentContext.HistoryPage, typeof(TopValues), typeof(WorldMap), typeof(MapLand), typeof(LiveAnalytics.Live.EventHub)]);
        ctx.Services.AddSingleton(TimeProvider.System);
        ctx.SignIn(shop.User);
        var nav = ctx.Services.GetRequiredService<NavigationManager>();
        var history = $"/sites/{shop.Site.Id}/history?period=custom&from=2026-11-20&to=2026-11-20";
        nav.NavigateTo(history);
        var page = ctx.Render<HistoryPage>(p => p.Add(c => c.SiteId, shop.Site.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=top-country] [data-tab=map]"));
        page.On("[data-testid=top-country] [data-tab=map]", e => e.Click());

        page.WaitForAssertion(() => Assert.Contains("map-shade-5", page.Find("[data-country=DE]").ClassName));
        Assert.Contains("map-shade-3", page.Find("[data-country=FR]").ClassName);   // √(1/3) of the way: the third step
        Assert.Empty(page.FindAll("[data-country=US]"));   // no visitors: unshaded land, nothing to click
        Assert.Equal(_app.Get<MapLand>().Href, page.Find("[data-testid=country-map] use[data-testid=map-land]").GetAttribute("href"));
        Assert.Equal("Germany (DE): 3 visitors", page.Find("[data-country=DE] title").TextContent);
        Assert.Equal("France (FR): 1 visitor", page.Find("[data-country=FR] title").TextContent);
        Assert.Equal("Map of visitors by country; most from Germany (DE) 3, France (FR) 1", page.Find("[data-testid=country-map] svg").GetAttribute("aria-label"));
        Assert.Equal("true", page.Find("[data-testid=top-country] [data-tab=map]").GetAttribute("aria-selected"));

        page.On("[data-country=DE]", e => e.Click());
        page.WaitForAssertion(() => Assert.Contains("f=country%3ADE", nav.Uri));
        // Back to a list: the countries' tab.
        page.On("[data-testid=top-country] [data-tab=country]", e => e.Click());
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=country-map]")));
    }

    /// <summary>A path's points, absolute: each ring's first (after M), then its steps (after l) added up.</summary>
    private static List<(double X, double Y)> Points(string path)
    {
        var points = new List<(double X, double Y)>();
        foreach (var ring in path.Split('M', StringSplitOptions.RemoveEmptyEntries))
        {
            var pairs = PointPattern().Matches(ring).Select(m => (X: double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                Y: double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
            var (x, y) = (0.0, 0.0);
            foreach (var (dx, dy) in pairs) points.Add((x += dx, y += dy));
        }
        return points;
    }

    [GeneratedRegex(@"(-?[0-9.]+),(-?[0-9.]+)")]
    private static partial Regex PointPattern();
}
