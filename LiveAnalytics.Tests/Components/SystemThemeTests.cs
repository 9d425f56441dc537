using Bunit;
using LiveAnalytics.Components.Layout;
using MudBlazor.Services;

namespace LiveAnalytics.Tests.Components;

/// <summary>The theme's two palettes: the light one for everyone, the dark one only where the system prefers dark.</summary>
public sealed class SystemThemeTests
{
    [Fact]
    public void The_dark_palette_applies_only_under_the_dark_media_query()
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
        Assert.Contains($"--mud-palette-background: {SystemTheme.Theme.PaletteDark.Background};", dark.TextContent);
        Assert.DoesNotContain(SystemTheme.Theme.PaletteDark.Background.ToString(), light.TextContent);
    }
}
