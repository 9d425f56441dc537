using System.Text.RegularExpressions;
using Dapper;
using LiveAnalytics.Accounts;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LiveAnalytics.Tests.Accounts;

/// <summary>
/// Two-factor authentication with an authenticator app, through the account page's and the login's plain forms. The
/// codes are computed by RFC 6238 (<see cref="Totp"/>), as an authenticator app computes them from the key the page shows.
/// </summary>
public sealed partial class TwoFactorTests : IAsyncLifetime
{
    // Every login of these tests comes from one address: more posts than a minute's default allows.
    // Sessions and remembered browsers are checked against the account at every request here (a minute by default).
    private readonly AppFactory _app = new(new Dictionary<string, string?> { ["Accounts:FormPostsPerMinute"] = "1000", ["Accounts:SessionCheckSeconds"] = "0" });

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Set_up_with_a_first_code_it_is_asked_for_at_every_login_and_a_recovery_code_works_once()
    {
        var user = await _app.UserAsync();
        var owner = await LoggedInAsync(user);
        Assert.Contains("id=\"two-factor-off\"", await owner.GetStringAsync("/account"));

        var stamp = (await StoredAsync(user.Id)).SecurityStamp;
        var setUp = await StaticForm.SubmitAsync(owner, "/account", "two-factor-setup", []);
        var key = KeyShown().Match(setUp).Groups[1].Value.Replace(" ", "").ToUpperInvariant();
        Assert.Equal(32, key.Length);
        Assert.Contains("<svg", setUp);   // the QR code, drawn on the server
        var stored = await StoredAsync(user.Id);
        Assert.False(stored.TwoFactorEnabled);
        Assert.DoesNotContain(key, stored.AuthenticatorKey!, StringComparison.OrdinalIgnoreCase);   // kept encrypted
        Assert.Equal(stamp, stored.SecurityStamp);   // starting the set-up signs no other session out

        var wrong = await StaticForm.SubmitAsync(owner, "/account", "two-factor-confirm", new() { ["Confirm.Code"] = Totp.Stale(key) });
        Assert.Contains("That code does not match", wrong);
        Assert.False((await StoredAsync(user.Id)).TwoFactorEnabled);
        var on = await StaticForm.SubmitAsync(owner, "/account", "two-factor-confirm", new() { ["Confirm.Code"] = Totp.Code(key) });
        var codes = RecoveryCodes().Matches(on).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(10, codes.Distinct().Count());
        Assert.Contains("10 recovery codes left", on);
        stored = await StoredAsync(user.Id);
        Assert.True(stored.TwoFactorEnabled);
        Assert.NotEqual(stamp, stored.SecurityStamp);   // turning it on does
        Assert.All(codes, c => Assert.DoesNotContain(c.Replace("-", ""), stored.RecoveryCodes!.Replace("-", ""), StringComparison.OrdinalIgnoreCase));
        // The session that turned it on stays signed in (it got a cookie with the new security stamp).
        Assert.Contains("id=\"account-email\"", await owner.GetStringAsync("/account"));

        // A login: the password alone signs nobody in.
        var laptop = _app.CreateClient();
        var second = await LogInAsync(laptop, user);
        Assert.Contains("two-factor-submit", second);
        Assert.Contains("login-submit", await laptop.GetStringAsync("/account"));   // still a stranger to every page
        laptop = _app.CreateClient();
        await LogInAsync(laptop, user);
        Assert.Contains("The code is wrong", await StaticForm.SubmitAsync(laptop, TwoFactorPath, "two-factor", new() { ["Code.Value"] = Totp.Stale(key) }));
        // The code that turned it on was taken: each code works once, so the app's next one (RFC 6238 §5.2).
        var taken = _app.CreateClient();
        await LogInAsync(taken, user);
        Assert.Contains("The code is wrong", await StaticForm.SubmitAsync(taken, TwoFactorPath, "two-factor", new() { ["Code.Value"] = Totp.Code(key) }));
        var signedIn = await StaticForm.SubmitAsync(laptop, TwoFactorPath, "two-factor", new() { ["Code.Value"] = Totp.Code(key, 1) });
        Assert.Contains("Your sites", signedIn);
        var replayed = _app.CreateClient();
        await LogInAsync(replayed, user);
        Assert.Contains("The code is wrong", await StaticForm.SubmitAsync(replayed, TwoFactorPath, "two-factor", new() { ["Code.Value"] = Totp.Code(key, 1) }));

        // A recovery code, typed in lower case with spaces, works once.
        var typed = codes[0].ToLowerInvariant().Replace("-", " - ");
        var phoneLost = _app.CreateClient();
        await LogInAsync(phoneLost, user);
        Assert.Contains("Your sites", await StaticForm.SubmitAsync(phoneLost, TwoFactorPath, "recovery-code", new() { ["Recovery.Value"] = typed }));
        Assert.Contains("9 recovery codes left", await phoneLost.GetStringAsync("/account"));
        var again = _app.CreateClient();
        await LogInAsync(again, user);
        Assert.Contains("wrong or was used before", await StaticForm.SubmitAsync(again, TwoFactorPath, "recovery-code", new() { ["Recovery.Value"] = codes[0] }));

        // The second step without the first: back to the login.
        Assert.Contains("login-submit", await _app.CreateClient().GetStringAsync(TwoFactorPath));
    }

    [Fact]
    public async Task A_remembered_browser_skips_the_code_until_every_other_session_is_signed_out()
    {
        var user = await _app.UserAsync();
        var owner = await LoggedInAsync(user);
        var (key, _) = await SetUpAsync(owner);
        var browser = _app.CreateClient();
        await LogInAsync(browser, user);
        Assert.Contains("Your sites", await StaticForm.SubmitAsync(browser, TwoFactorPath, "two-factor",
            new() { ["Code.Value"] = Totp.Code(key, 1), ["Code.Remember"] = "true" }));   // the next code: the set-up took this one
        using (var loggedOut = await browser.PostAsync("/account/logout", null)) Assert.True(loggedOut.IsSuccessStatusCode);
        Assert.Contains("login-submit", await browser.GetStringAsync("/account"));
        Assert.Contains("Your sites", await LogInAsync(browser, user));   // the password alone, on this browser
        Assert.Contains("two-factor-submit", await LogInAsync(_app.CreateClient(), user));   // not on another

        // "Sign out everywhere else" from the owner's session: this browser is a stranger again, and asked for a code.
        await StaticForm.SubmitAsync(owner, "/account", "sign-out-elsewhere", []);
        Assert.Contains("login-submit", await browser.GetStringAsync("/account"));
        Assert.Contains("two-factor-submit", await LogInAsync(browser, user));
    }

    [Fact]
    public async Task New_recovery_codes_and_turning_it_off_take_the_password()
    {
        var user = await _app.UserAsync();
        var owner = await LoggedInAsync(user);
        var (key, codes) = await SetUpAsync(owner);

        Assert.Contains("The password is wrong.", await StaticForm.SubmitAsync(owner, "/account", "recovery-codes-new", new() { ["NewCodes.Password"] = "not-my-password" }));
        var renewed = await StaticForm.SubmitAsync(owner, "/account", "recovery-codes-new", new() { ["NewCodes.Password"] = TestData.Password });
        var newCodes = RecoveryCodes().Matches(renewed).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(10, newCodes.Length);
        Assert.Empty(newCodes.Intersect(codes));
        var client = _app.CreateClient();
        await LogInAsync(client, user);
        Assert.Contains("wrong or was used before", await StaticForm.SubmitAsync(client, TwoFactorPath, "recovery-code", new() { ["Recovery.Value"] = codes[1] }));
        Assert.Contains("Your sites", await StaticForm.SubmitAsync(client, TwoFactorPath, "recovery-code", new() { ["Recovery.Value"] = newCodes[1] }));

        Assert.Contains("The password is wrong.", await StaticForm.SubmitAsync(owner, "/account", "two-factor-off", new() { ["TurnOff.Password"] = "not-my-password" }));
        Assert.True((await StoredAsync(user.Id)).TwoFactorEnabled);
        var off = await StaticForm.SubmitAsync(owner, "/account", "two-factor-off", new() { ["TurnOff.Password"] = TestData.Password });
        Assert.Contains("id=\"two-factor-off\"", off);
        var stored = await StoredAsync(user.Id);
        Assert.False(stored.TwoFactorEnabled);
        Assert.Null(stored.AuthenticatorKey);
        Assert.Null(stored.RecoveryCodes);
        Assert.Contains("Your sites", await LogInAsync(_app.CreateClient(), user));
        Assert.NotEqual("", key);
    }

    [Fact]
    public async Task A_key_that_cannot_be_decrypted_still_asks_for_a_second_factor()
    {
        var user = await _app.UserAsync();
        var (_, codes) = await SetUpAsync(await LoggedInAsync(user));
        // As if the Data Protection keys in Redis were lost: the stored key no longer decrypts.
        await using (var conn = await _app.Get<NpgsqlDataSource>().OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE users SET authenticator_key = 'CfDJ8unreadable' WHERE id = @Id", new { user.Id });

        var client = _app.CreateClient();
        Assert.Contains("two-factor-submit", await LogInAsync(client, user));
        Assert.Contains("Your sites", await StaticForm.SubmitAsync(client, TwoFactorPath, "recovery-code", new() { ["Recovery.Value"] = codes[0] }));
    }

    [Fact]
    public async Task The_operators_password_reset_turns_it_off()
    {
        var user = await _app.UserAsync();
        await SetUpAsync(await LoggedInAsync(user));
        await using var scope = _app.Services.CreateAsyncScope();
        var output = new StringWriter();
        Assert.Equal(0, await PasswordReset.ResetAsync(scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>(), user.Email, output, new StringWriter()));
        Assert.Contains("Two-factor authentication is off now", output.ToString());
        var stored = await StoredAsync(user.Id);
        Assert.False(stored.TwoFactorEnabled);
        Assert.Null(stored.AuthenticatorKey);
    }

    private const string TwoFactorPath = "/account/login/two-factor";

    private async Task<HttpClient> LoggedInAsync(AppUser user)
    {
        var client = _app.CreateClient();
        Assert.Contains("Your sites", await LogInAsync(client, user));
        return client;
    }

    private static Task<string> LogInAsync(HttpClient client, AppUser user) =>
        StaticForm.SubmitAsync(client, "/account/login", "login", new() { ["Input.Email"] = user.Email, ["Input.Password"] = TestData.Password });

    private static async Task<(string Key, string[] Codes)> SetUpAsync(HttpClient client)
    {
        var key = KeyShown().Match(await StaticForm.SubmitAsync(client, "/account", "two-factor-setup", [])).Groups[1].Value.Replace(" ", "").ToUpperInvariant();
        var on = await StaticForm.SubmitAsync(client, "/account", "two-factor-confirm", new() { ["Confirm.Code"] = Totp.Code(key) });
        return (key, RecoveryCodes().Matches(on).Select(m => m.Groups[1].Value).ToArray());
    }

    private async Task<AppUser> StoredAsync(Guid id)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(id.ToString()))!;
    }

    [GeneratedRegex("id=\"authenticator-key\">([a-z2-7 ]+)<")]
    private static partial Regex KeyShown();

    [GeneratedRegex("<li><code>([^<]+)</code></li>")]
    private static partial Regex RecoveryCodes();
}
