using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;

namespace LiveAnalytics.Components.Layout;

/// <summary>
/// The theme's CSS variables, statically: the light palette, and the dark one for browsers whose system prefers dark (a
/// <c>media</c> attribute on its style), or for everyone when the browser picked dark (<see cref="ThemeChoice"/>); none
/// when it picked light. With the system's, the browser picks, and follows a change of the system's setting at once; no
/// circuit or script is involved, so the account pages and shared dashboards follow it too. MudBlazor's provider writes
/// one palette, the one its <c>IsDarkMode</c> names: the dark one is the same provider's output.
/// </summary>
public sealed class SystemTheme : ComponentBase
{
    public const string DarkMedia = "(prefers-color-scheme: dark)";

    // MudBlazor's green and red fall short of WCAG AA's 4.5:1 as text on white ("Revoke", "2 online"): darker ones. On
    // the dark surfaces its primary, green, red and secondary text do too: lighter ones, with dark text on the first three
    // where they are a background.
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Success = "#2e7d32", Error = "#c62828" },
        PaletteDark = new PaletteDark
        {
            Primary = "#aba2ff", PrimaryContrastText = "#14112b",
            TextPrimary = "rgba(255,255,255,0.87)", TextSecondary = "rgba(255,255,255,0.70)",
            Success = "#66bb6a", SuccessContrastText = "#0b1f0c",
            Error = "#ff8a80", ErrorContrastText = "#2b0b08",
        },
    };

    /// <summary>A <see cref="ThemeChoice"/> mode.</summary>
    [Parameter] public string Mode { get; set; } = ThemeChoice.System;

    /// <summary>The <c>media</c> of what is dark (this palette, <c>dark.css</c>): null for always, "" for never.</summary>
    public static string? DarkMediaFor(string mode) => mode switch { ThemeChoice.Dark => null, ThemeChoice.Light => "", _ => DarkMedia };

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenComponent<MudThemeProvider>(0);
        builder.AddComponentParameter(1, nameof(MudThemeProvider.Theme), Theme);
        builder.AddComponentParameter(2, nameof(MudThemeProvider.ObserveSystemDarkModeChange), false);
        builder.CloseComponent();
        if (DarkMediaFor(Mode) is "") return;
        builder.OpenComponent<DarkPalette>(3);
        builder.AddComponentParameter(4, nameof(MudThemeProvider.Theme), Theme);
        builder.AddComponentParameter(5, nameof(MudThemeProvider.IsDarkMode), true);
        builder.AddComponentParameter(6, nameof(MudThemeProvider.ObserveSystemDarkModeChange), false);
        builder.AddComponentParameter(7, nameof(DarkPalette.Media), DarkMediaFor(Mode));
        builder.CloseComponent();
    }

    private sealed class DarkPalette : MudThemeProvider
    {
        private const string Style = "<style class='mud-theme-provider'>";

        [Parameter] public string? Media { get; set; }

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            var css = BuildTheme();
            // Were MudBlazor to write its style otherwise, the dark palette would be everyone's: fail loudly instead.
            if (!css.StartsWith(Style, StringComparison.Ordinal))
                throw new InvalidOperationException($"MudBlazor's theme no longer starts with {Style}: SystemTheme needs updating.");
            builder.AddMarkupContent(0, Media is null ? css : $"<style class='mud-theme-provider' media='{Media}'>{css[Style.Length..]}");
        }
    }
}
