using LiveAnalytics.Components.Layout;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>The app bar's theme button in Chromium: the system's theme, then light, then dark whatever the system says.</summary>
public sealed class ThemeBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    private const string Light = "rgb(255, 255, 255)", Dark = "rgb(50, 51, 61)";

    [Fact]
    public async Task The_button_goes_from_the_systems_theme_to_light_to_dark_and_the_choice_stays()
    {
        var (page, _, siteId) = await SignUpWithSiteAsync();
        await page.GotoAsync($"/sites/{siteId}/history");
        await WaitForCircuitAsync(page);
        await BackgroundIsAsync(page, Light);   // Chromium's system is light
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await Expect(page.Locator("body")).ToHaveCSSAsync("background-color", Dark);   // the system's, followed at once

        await page.GetByRole(AriaRole.Button, new() { Name = "Theme: as the system is set. Switch to light" }).ClickAsync();
        await ExpectUrlAsync(page, $"/sites/{siteId}/history");   // back on the page, in the theme picked
        await Expect(page.GetByTestId("theme")).ToHaveAttributeAsync("data-mode", ThemeChoice.Light);
        await BackgroundIsAsync(page, Light);   // light though the system is dark

        await page.GetByTestId("theme").ClickAsync();
        await Expect(page.GetByTestId("theme")).ToHaveAttributeAsync("data-mode", ThemeChoice.Dark);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await BackgroundIsAsync(page, Dark);   // dark though the system is light
        // The browser keeps it: another page, and the account pages, come in it too.
        await page.GotoAsync("/account");
        await BackgroundIsAsync(page, Dark);

        await page.GotoAsync("/sites");
        await page.GetByTestId("theme").ClickAsync();
        await Expect(page.GetByTestId("theme")).ToHaveAttributeAsync("data-mode", ThemeChoice.System);
        await BackgroundIsAsync(page, Light);
    }

    // Polled: a page just loaded may not have applied MudBlazor's stylesheet yet (the body is transparent until then).
    private static Task BackgroundIsAsync(IPage page, string color) => Expect(page.Locator("body")).ToHaveCSSAsync("background-color", color);
}
