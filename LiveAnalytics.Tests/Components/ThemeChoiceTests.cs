using System.Net;
using Bunit;
using LiveAnalytics.Components.Layout;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using MudBlazor.Services;

namespace LiveAnalytics.Tests.Components;

/// <summary>The theme a browser picks: kept in its cookie, and the pages rendered in it.</summary>
public sealed class ThemeChoiceTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public void By_default_the_dark_palette_applies_only_under_the_dark_media_query()
    {
        using var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var styles = ctx.Render<SystemTheme>().FindAll("style.mud-theme-provider");
        Assert.Equal(2, styles.Count);
        var (light, dark) = (styles[0], styles[1]);
        Assert.Null(light.GetAttribute("media"));
        Assert.Equal(SystemTheme.DarkMedia, dark.GetAttribute("media"));
        Assert.Contains($"--mud-palette-error: {SystemTheme.Theme.PaletteLight.Error};", light.TextContent);
        Assert.Contains($"--mud-palette-error: {SystemTheme.Theme.PaletteDark.Error};", dark.TextContent);
        Assert.DoesNotContain(SystemTheme.Theme.PaletteDark.Background.ToString(), light.TextContent);
    }

    [Theory]
    [InlineData(ThemeChoice.System, SystemTheme.DarkMedia)]
    [InlineData(ThemeChoice.Dark, null)]
    public void The_dark_palette_is_the_systems_choice_or_always(string mode, string? media)
    {
        using var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var styles = ctx.Render<SystemTheme>(p => p.Add(c => c.Mode, mode)).FindAll("style.mud-theme-provider");
        Assert.Equal(2, styles.Count);
        Assert.Equal(media, styles[1].GetAttribute("media"));
        Assert.Contains($"--mud-palette-background: {SystemTheme.Theme.PaletteDark.Background};", styles[1].TextContent);
    }

    [Fact]
    public void Light_has_no_dark_palette()
    {
        using var ctx = new BunitContext();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var style = Assert.Single(ctx.Render<SystemTheme>(p => p.Add(c => c.Mode, ThemeChoice.Light)).FindAll("style.mud-theme-provider"));
        Assert.Contains($"--mud-palette-background: {SystemTheme.Theme.PaletteLight.Background};", style.TextContent);
    }

    [Fact]
    public async Task The_choice_is_kept_in_a_cookie_and_the_pages_come_in_it()
    {
        var client = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/account/login");
        Assert.Contains("<meta name=\"color-scheme\" content=\"light dark\"", page);
        Assert.Contains($"<link rel=\"stylesheet\" href=\"dark.css\" media=\"{SystemTheme.DarkMedia}\"", page);

        var token = await StaticForm.TokenAsync(client, "/account/login");
        using (var chosen = await PostAsync(client, token, ThemeChoice.Dark, "/sites/7/history?period=7d"))
        {
            Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
            Assert.Equal("/sites/7/history?period=7d", chosen.Headers.Location?.OriginalString);
            var cookie = Assert.Single(chosen.Headers.GetValues("Set-Cookie"), c => c.StartsWith($"{ThemeChoice.Cookie}="));
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        }
        page = await client.GetStringAsync("/account/login");
        Assert.Contains("<meta name=\"color-scheme\" content=\"dark\"", page);
        Assert.Contains("<link rel=\"stylesheet\" href=\"dark.css\" />", page);

        using (var light = await PostAsync(client, token, ThemeChoice.Light, "https://elsewhere.example/"))
            Assert.Equal("/sites", light.Headers.Location?.OriginalString);   // back to this app only
        page = await client.GetStringAsync("/account/login");
        Assert.Contains("<meta name=\"color-scheme\" content=\"light\"", page);
        Assert.DoesNotContain("dark.css", page);

        using (var unknown = await PostAsync(client, token, "neon", "/sites"))
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        using (var forged = await client.PostAsync(ThemeChoice.Path, new FormUrlEncodedContent(new Dictionary<string, string> { ["mode"] = ThemeChoice.Dark })))
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);   // no antiforgery token: another site's form
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string token, string mode, string returnUrl) =>
        client.PostAsync(ThemeChoice.Path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["mode"] = mode, ["returnUrl"] = returnUrl, ["__RequestVerificationToken"] = token,
        }));
}
