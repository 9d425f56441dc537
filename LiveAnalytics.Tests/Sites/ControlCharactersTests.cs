using System.ComponentModel.DataAnnotations;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Sites;
using LiveAnalytics.Tests.Infrastructure;
using LiveAnalytics.Widgets;

namespace LiveAnalytics.Tests.Sites;

/// <summary>
/// Text with a control character in a settings form gets a message, never an exception: PostgreSQL refuses a NUL in
/// text, and an exception would end the page's circuit.
/// </summary>
public sealed class ControlCharactersTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Theory]
    [InlineData("a\0@b.example")]
    [InlineData("a@b\u0007.example")]
    public async Task Team_addresses_with_control_characters_get_a_message(string address)
    {
        var shop = await _app.MerchantAsync();
        Assert.Equal("Enter the e-mail address of their account.", await _app.Get<SiteTeam>().AddAsync(shop.Site.Id, shop.User.Id, address, SiteTeam.Viewer));
        // Without mail the invitation is the add by address: the same message.
        Assert.Equal("Enter the e-mail address of their account.", await _app.Get<SiteInvitations>().AddOrInviteAsync(shop.Site, shop.User.Id, address, SiteTeam.Viewer));
    }

    [Fact]
    public void Widget_origins_and_form_names_refuse_them()
    {
        Assert.Contains("is not an origin", WidgetOrigins.Parse("https://a\0.example").Error);
        var plain = new PlainTextAttribute();
        Assert.True(plain.IsValid("Order webhook"));
        Assert.True(plain.IsValid(null));
        Assert.False(plain.IsValid("Order\0webhook"));
        Assert.Equal("The Name may not hold control characters.",
            plain.GetValidationResult("a\tb", new ValidationContext(new object()) { DisplayName = "Name" })!.ErrorMessage);
    }
}
