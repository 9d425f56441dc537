using System.Text.RegularExpressions;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>
/// A merchant changes their password in Chromium: their other sessions end, this one goes on. Then they turn on
/// two-factor authentication, which the other browser's next login asks for.
/// </summary>
public sealed class AccountBrowserTests(ITestOutputHelper output) : BrowserTest(output)
{
    private const string NewPassword = "a-brand-new-passphrase";

    [Fact]
    public async Task Changing_the_password_signs_out_every_other_session()
    {
        var (page, _, _) = await SignUpWithSiteAsync();
        var email = (await page.Locator("a[href='/account'] .account-full").TextContentAsync())!.Trim();
        // Another browser signed in to the same account, with a live page open.
        var other = await (await NewContextAsync(new() { BaseURL = BaseUri.ToString() })).NewPageAsync();
        await LogInAsync(other, email, TestData.Password);
        await ExpectUrlAsync(other, "/sites");
        await WaitForCircuitAsync(other);

        await page.Locator("a[href='/account']").ClickAsync();
        await ExpectUrlAsync(page, "/account");
        await Expect(page.Locator("#account-email")).ToHaveTextAsync(email);
        await ChangeAsync(page, "not-my-password", NewPassword);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The current password is wrong.");
        await ChangeAsync(page, TestData.Password, "short");
        await Expect(page.Locator(".validation-message")).ToContainTextAsync("minimum length of 10");
        await ChangeAsync(page, TestData.Password, NewPassword);
        await Expect(page.Locator("#password-changed")).ToContainTextAsync("signed out within a second");

        // The other browser's open page leaves for the login page by itself; its cookie no longer works either.
        await ExpectUrlAsync(other, "/account/login?returnUrl=%2Fsites");
        await other.GotoAsync("/sites");
        await Expect(other).ToHaveURLAsync(new Regex(@"/account/login\?"));
        // This session goes on.
        await page.GotoAsync("/sites");
        await WaitForCircuitAsync(page);
        await Expect(page).ToHaveURLAsync(new Regex(@"/sites$"));

        await LogInAsync(other, email, TestData.Password);
        await Expect(other.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The email or the password is wrong.");
        await LogInAsync(other, email, NewPassword);
        await ExpectUrlAsync(other, "/sites");
        await WaitForCircuitAsync(other);

        // Ending the other sessions without a new password: the other browser leaves again, this one stays.
        await page.GotoAsync("/account");
        await page.ClickAsync("#sessions-submit");
        await Expect(page.Locator("#sessions-ended")).ToBeVisibleAsync();
        await ExpectUrlAsync(other, "/account/login?returnUrl=%2Fsites");
        await page.GotoAsync("/sites");
        await Expect(page).ToHaveURLAsync(new Regex(@"/sites$"));

        // Two-factor authentication: set up with the key the page shows (its QR code holds the same), then asked for at login.
        await page.GotoAsync("/account");
        await page.ClickAsync("#two-factor-setup-submit");
        await Expect(page.Locator("#authenticator-qr svg")).ToBeVisibleAsync();
        var key = (await page.Locator("#authenticator-key").TextContentAsync())!;
        await page.FillAsync("#confirm-code", Totp.Code(key));
        await page.ClickAsync("#two-factor-confirm-submit");
        await Expect(page.Locator("#recovery-codes li")).ToHaveCountAsync(10);
        await Expect(page.Locator("#two-factor-on")).ToContainTextAsync("10 recovery codes left");
        await ExpectUrlAsync(other, "/account/login?returnUrl=%2Fsites");   // a new security stamp: other sessions end
        await LogInAsync(other, email, NewPassword);
        await ExpectUrlAsync(other, "/account/login/two-factor?returnUrl=%2Fsites");
        await other.FillAsync("#code", Totp.Code(key, 1));   // the app's next code: the set-up took this one
        await other.ClickAsync("#two-factor-submit");
        await ExpectUrlAsync(other, "/sites");
        await WaitForCircuitAsync(other);
    }

    private static async Task LogInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login-submit");
    }

    private static async Task ChangeAsync(IPage page, string current, string password)
    {
        await page.FillAsync("#current", current);
        await page.FillAsync("#password", password);
        await page.FillAsync("#confirm", password);
        await page.ClickAsync("#password-submit");
    }
}
