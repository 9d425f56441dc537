using LiveAnalytics.Widgets;

namespace LiveAnalytics.Tests.Widgets;

public sealed class WidgetOriginsTests
{
    [Fact]
    public void Normalises_origins_and_wildcard_subdomains()
    {
        var (origins, error) = WidgetOrigins.Parse("https://Shop.Example.com/\nhttps://*.example.org, http://localhost:8080 https://shop.example.com");
        Assert.Null(error);
        Assert.Equal(["https://shop.example.com", "https://*.example.org", "http://localhost:8080"], origins);
    }

    [Theory]
    [InlineData("", "at least one origin")]
    [InlineData("shop.example.com", "is not an origin")]
    [InlineData("https://shop.example.com/path", "is not an origin")]
    [InlineData("javascript:alert(1)", "is not an origin")]
    [InlineData("https://shop.example.com;script-src *", "is not an origin")]
    [InlineData("https://a.example 'unsafe-inline'", "is not an origin")]
    [InlineData("ftp://shop.example.com", "is not an origin")]
    public void Refuses_what_is_not_an_origin(string text, string expected)
    {
        var (origins, error) = WidgetOrigins.Parse(text);
        Assert.Empty(origins);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void The_embed_code_escapes_and_carries_the_choices()
    {
        var code = new EmbedCode("https://la.example/", "lw_abc", WidgetKind.PageViewers, "dark", "/hats?x=\"1\"", 300, 120);
        Assert.Equal("https://la.example/widget/page-viewers?token=lw_abc&theme=dark&page=%2Fhats%3Fx%3D%221%22", code.Url);
        Assert.Contains("src=\"https://la.example/widget/page-viewers?token=lw_abc&amp;theme=dark&amp;page=%2Fhats", code.Html);
        Assert.Contains("encodeURIComponent(location.pathname)", code.PerPageScript);
    }
}
