using System.Text.RegularExpressions;
using LiveAnalytics.Accounts;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Accounts;

/// <summary>The operator's <c>reset-password EMAIL</c>, for a merchant locked out of their account.</summary>
public sealed class PasswordResetTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    [Fact]
    public async Task A_reset_sets_a_new_password_and_ends_the_lockout_and_the_sessions_and_confirms_the_address()
    {
        var user = await _app.UserAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var locked = (await users.FindByIdAsync(user.Id.ToString()))!;
        locked.EmailConfirmed = false;   // made without mail, say: the operator vouches for it
        Assert.True((await users.SetLockoutEndDateAsync(locked, DateTimeOffset.UtcNow.AddMinutes(5))).Succeeded);
        var stamp = locked.SecurityStamp;

        var (output, errors) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await PasswordReset.ResetAsync(users, user.Email.ToUpperInvariant(), output, errors));
        var password = Regex.Match(output.ToString(), "New password for .+: (\\S+)").Groups[1].Value;
        Assert.Equal(20, password.Length);
        Assert.Empty(errors.ToString());

        var reset = (await users.FindByIdAsync(user.Id.ToString()))!;
        Assert.True(await users.CheckPasswordAsync(reset, password));
        Assert.False(await users.CheckPasswordAsync(reset, TestData.Password));
        Assert.False(await users.IsLockedOutAsync(reset));
        Assert.True(reset.EmailConfirmed);
        Assert.NotEqual(stamp, reset.SecurityStamp);   // every cookie issued before fails its next check
    }

    [Fact]
    public async Task An_unknown_address_changes_nothing_and_says_so()
    {
        var (output, errors) = (new StringWriter(), new StringWriter());
        await using var scope = _app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.Equal(1, await PasswordReset.ResetAsync(users, "nobody@nowhere.example", output, errors));
        Assert.Equal("No account has the e-mail address nobody@nowhere.example.", errors.ToString().Trim());
        Assert.Empty(output.ToString());
    }
}
