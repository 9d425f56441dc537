using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Sites;

public sealed class SiteAccessTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public async Task A_merchant_sees_only_sites_they_are_a_member_of()
    {
        var a = await _app.MerchantAsync();
        var b = await _app.MerchantAsync();
        var sites = _app.Get<SiteRepository>();

        Assert.Equal([a.Site], await sites.ListForUserAsync(a.User.Id));
        Assert.Null(await sites.FindForUserAsync(a.Site.Id, b.User.Id));
        Assert.Null(await sites.FindByDomainForUserAsync(a.Site.Domain, b.User.Id));
        Assert.Equal(a.Site, await sites.FindForUserAsync(a.Site.Id, a.User.Id));
    }

    [Fact]
    public async Task A_domain_can_be_registered_once()
    {
        var a = await _app.MerchantAsync();
        var b = await _app.UserAsync();
        Assert.Null(await _app.Get<SiteRepository>().CreateAsync(b.Id, new NewSite { Domain = a.Site.Domain, Name = "Copy", Timezone = "UTC" }));
    }

    [Theory]
    [InlineData("https://www.Shop.Example.com/", "shop.example.com")]
    [InlineData("  shop.example.com ", "shop.example.com")]
    public void Domains_are_normalised_as_merchants_paste_them(string input, string expected) =>
        Assert.Equal(expected, LiveAnalytics.Ingestion.SiteDomain.Normalize(input));

    [Fact]
    public void The_snippet_escapes_what_it_embeds()
    {
        var snippet = TrackingSnippet.For("shop.example", "http://127.0.0.1:5080/\"><script>");
        Assert.DoesNotContain("<script>\"", snippet);
        Assert.Contains("data-domain=\"shop.example\"", snippet);
    }

    [Fact]
    public void The_snippet_carries_the_link_clicks_and_routing_the_merchant_chose()
    {
        Assert.Equal("""<script defer data-domain="shop.example" src="https://la.example/la.js"></script>""",
            TrackingSnippet.For("shop.example", "https://la.example/"));
        Assert.Equal("""<script defer data-domain="shop.example" data-outbound-links data-file-downloads src="https://la.example/la.js"></script>""",
            TrackingSnippet.For("shop.example", "https://la.example/", outboundLinks: true, fileDownloads: true));
        Assert.Contains(" data-file-downloads src=", TrackingSnippet.For("shop.example", "https://la.example/", fileDownloads: true));
        Assert.Equal("""<script defer data-domain="shop.example" data-hash src="https://la.example/la.js"></script>""",
            TrackingSnippet.For("shop.example", "https://la.example/", hashRouting: true));
    }
}
