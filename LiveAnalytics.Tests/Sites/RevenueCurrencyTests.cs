using System.Net;
using System.Text;
using System.Text.Json;
using Bunit;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Sites;

public sealed class RevenueCurrencyTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;
    private RevenueCurrency Currency => _app.Get<RevenueCurrency>();

    private static HttpRequestMessage Order(string domain, string currency) => TestData.Beacon(
        $$$"""{"n":"Purchase","u":"https://{{{domain}}}/checkout/done","d":"{{{domain}}}","$":{"amount":"49.90","currency":"{{{currency}}}"}}""");

    [Fact]
    public async Task Once_a_site_has_a_currency_revenue_in_another_one_is_refused_with_a_reason()
    {
        var shop = await _app.MerchantAsync();
        var client = _app.CreateClient();
        using (var before = await client.SendAsync(Order(shop.Site.Domain, "USD")))
            Assert.Equal(HttpStatusCode.Accepted, before.StatusCode);   // any currency until one is set; the node caches the site

        Assert.Null(await Currency.SetAsync(shop.Site, shop.User.Id, "eur"));
        Assert.Equal("EUR", await Currency.GetAsync(shop.Site.Id));

        using (var usd = await client.SendAsync(Order(shop.Site.Domain, "usd")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, usd.StatusCode);
            var errors = JsonDocument.Parse(await usd.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
            Assert.Equal($"Site '{shop.Site.Domain}' takes revenue in EUR only (its settings), not USD.", errors.GetProperty("revenue")[0].GetString());
        }
        using (var eur = await client.SendAsync(Order(shop.Site.Domain, "EUR")))
            Assert.Equal(HttpStatusCode.Accepted, eur.StatusCode);
        using (var none = await client.SendAsync(TestData.Pageview(shop.Site.Domain, "/")))
            Assert.Equal(HttpStatusCode.Accepted, none.StatusCode);

        // The batch API the same way, item by item.
        var d = shop.Site.Domain;
        var body = $$$"""
            [{"name":"Order","url":"https://{{{d}}}/","domain":"{{{d}}}","revenue":{"amount":10,"currency":"GBP"}},
             {"name":"Order","url":"https://{{{d}}}/","domain":"{{{d}}}","revenue":{"amount":10,"currency":"EUR"}}]
            """;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", await _app.ApiKeyAsync(shop.User.Id));
        using var batch = await client.SendAsync(request);
        var results = JsonDocument.Parse(await batch.Content.ReadAsStringAsync()).RootElement.GetProperty("results");
        Assert.Equal("rejected", results[0].GetProperty("status").GetString());
        Assert.Contains("EUR only", results[0].GetProperty("errors").GetProperty("revenue")[0].GetString());
        Assert.Equal("accepted", results[1].GetProperty("status").GetString());

        // Unset: any currency again.
        Assert.Null(await Currency.SetAsync(shop.Site, shop.User.Id, " "));
        using (var again = await client.SendAsync(Order(shop.Site.Domain, "USD")))
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    [Theory]
    [InlineData("XYZ", "not an ISO 4217 currency code")]
    [InlineData("EURO", "not an ISO 4217 currency code")]
    [InlineData("€", "not an ISO 4217 currency code")]
    public async Task Only_known_currency_codes_are_taken(string code, string error)
    {
        var shop = await _app.MerchantAsync();
        Assert.Contains(error, await Currency.SetAsync(shop.Site, shop.User.Id, code));
        Assert.Null(await Currency.GetAsync(shop.Site.Id));
    }

    [Fact]
    public async Task Only_owners_and_admins_set_it()
    {
        var shop = await _app.MerchantAsync();
        var viewer = await _app.MemberAsync(shop, SiteTeam.Viewer);
        var admin = await _app.MemberAsync(shop, SiteTeam.Admin);
        Assert.Equal(SiteTeam.SettingsRefused, await Currency.SetAsync(shop.Site, viewer.Id, "EUR"));
        Assert.Null(await Currency.SetAsync(shop.Site, admin.Id, "JPY"));
        Assert.Equal("JPY", await Currency.GetAsync(shop.Site.Id));
    }

    [Fact]
    public async Task The_settings_card_sets_the_code_and_shows_what_it_refuses()
    {
        var shop = await _app.MerchantAsync();
        await using var ctx = ComponentContext.For(_app, shop.User, typeof(RevenueCurrency));
        var card = ctx.Render<RevenueCurrencyCard>(p => p.Add(c => c.Site, shop.Site));
        card.WaitForAssertion(() => Assert.Equal("Revenue is taken in any currency.", card.Find("[data-testid=currency-state]").TextContent.Trim()));

        card.On("input[data-testid=currency-code]", e => e.Input("XYZ"));
        card.On("[data-testid=currency-save]", e => e.Click());
        card.WaitForAssertion(() => Assert.Contains("not an ISO 4217 currency code", card.Markup));

        card.On("input[data-testid=currency-code]", e => e.Input("gbp"));
        card.On("[data-testid=currency-save]", e => e.Click());
        card.WaitForAssertion(() => Assert.Equal("Revenue is taken in GBP only.", card.Find("[data-testid=currency-state]").TextContent.Trim()));
        Assert.Equal("GBP", await Currency.GetAsync(shop.Site.Id));
    }

    [Fact]
    public void The_known_codes_are_the_world_currencies()
    {
        foreach (var code in (string[])["EUR", "USD", "GBP", "JPY", "CHF", "SEK", "INR", "BRL", "ZAR"])
            Assert.Contains(code, RevenueCurrency.Known);
        Assert.DoesNotContain("XYZ", RevenueCurrency.Known);
    }
}
