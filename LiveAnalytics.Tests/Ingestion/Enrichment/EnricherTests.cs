using LiveAnalytics.Ingestion.Enrichment;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Tests.Ingestion.Enrichment;

/// <summary>Against the real npm data files that the build copies next to the app.</summary>
public sealed class EnricherTests
{
    private static readonly Enricher Enricher = new(Options.Create(new EnrichmentOptions
    {
        Referrers = [new ConfiguredReferrer { Name = "Shop Newsletter", Medium = Mediums.Email, Domains = ["news.shop.example"] }],
    }), new GeoLookup(Options.Create(new EnrichmentOptions()), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<GeoLookup>.Instance), []);

    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome", "131", "Windows", "desktop")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Mobile Safari", "17", "iOS", "mobile")]
    [InlineData("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Mobile Safari", "17", "iOS", "tablet")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome Mobile", "131", "Android", "mobile")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox", "128", "Linux", "desktop")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari", "17", "Mac OS X", "desktop")]
    public void Reads_browser_os_and_device_class(string ua, string browser, string version, string os, string device)
    {
        var client = Enricher.Client(ua);
        Assert.NotNull(client);
        Assert.Equal((browser, version, os, device), (client.Browser, client.BrowserVersion, client.Os, client.Device));
    }

    [Theory]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")]
    [InlineData("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")]
    [InlineData("curl/8.5.0")]
    [InlineData("python-requests/2.32.3")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36")]
    [InlineData("")]
    public void Drops_bots_and_crawlers(string ua) => Assert.Null(Enricher.Client(ua));

    [Fact]
    public void A_hostile_user_agent_is_parsed_quickly_or_given_up()
    {
        var hostile = "Mozilla/5.0 (" + string.Concat(Enumerable.Repeat("a;", 20_000)) + ")";
        var started = System.Diagnostics.Stopwatch.StartNew();
        Enricher.Client(hostile);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2), $"took {started.Elapsed}");
    }

    [Theory]
    [InlineData("https://shop.example/", "https://www.google.com/search?q=hat", "Google", "search")]
    [InlineData("https://shop.example/", "https://duckduckgo.com/", "DuckDuckGo", "search")]
    [InlineData("https://shop.example/", "https://www.facebook.com/", "Facebook", "social")]
    [InlineData("https://shop.example/", "https://news.ycombinator.com/item?id=1", "Hacker News", "social")]
    [InlineData("https://shop.example/", "https://www.reddit.com/r/x", "Reddit", "social")]
    [InlineData("https://shop.example/", "https://t.co/abc", "X", "social")]
    [InlineData("https://shop.example/", "https://www.linkedin.com/feed/", "LinkedIn", "social")]
    [InlineData("https://shop.example/", "https://www.bing.com/search?q=hat", "Bing", "search")]
    [InlineData("https://shop.example/", "https://mail.google.com/mail/u/0/", "Gmail", "email")]
    [InlineData("https://shop.example/", "https://news.shop.example/issue-4", "Shop Newsletter", "email")]
    [InlineData("https://shop.example/", "https://someblog.example/post", "someblog.example", "referral")]
    [InlineData("https://shop.example/?utm_source=spring&utm_medium=cpc&utm_campaign=sale", null, "spring", "paid")]
    [InlineData("https://shop.example/?gclid=abc", "https://www.google.com/", "Google", "paid")]
    [InlineData("https://shop.example/?utm_source=weekly&utm_medium=newsletter", null, "weekly", "email")]
    [InlineData("https://shop.example/", null, null, "direct")]
    [InlineData("https://shop.example/cart", "https://www.shop.example/", null, null)]
    public void Attributes_source_and_medium(string page, string? referrer, string? source, string? medium)
    {
        var a = Enricher.Attribute(new Uri(page), referrer is null ? null : new Uri(referrer));
        Assert.Equal((source, medium), (a.Source, a.Medium));
    }

    [Fact]
    public void Keeps_every_utm_parameter()
    {
        var a = Enricher.Attribute(new Uri("https://shop.example/?utm_source=s&utm_medium=m&utm_campaign=c&utm_content=x&utm_term=t"), null);
        Assert.Equal(("s", "m", "c", "x", "t"), (a.UtmSource, a.UtmMedium, a.UtmCampaign, a.UtmContent, a.UtmTerm));
    }
}
