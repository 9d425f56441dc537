using LiveAnalytics.Accounts;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Accounts;

/// <summary>
/// "Forgot your password?" through the real pages and a real SMTP conversation (netDumbster, a fake SMTP server in the
/// test process): the request, the mail and its link, the new password, the link used up.
/// </summary>
public sealed class PasswordResetMailTests : MailTest
{

    [Fact]
    public async Task A_merchant_resets_their_password_with_the_mailed_link_once()
    {
        var user = await App.UserAsync();
        var client = App.CreateClient();
        var forgot = await StaticForm.SubmitAsync(client, "/account/forgot", "forgot-password", new() { ["Input.Email"] = user.Email });
        Assert.Contains("If an account has this address, a link", forgot);
        var unknown = await StaticForm.SubmitAsync(client, "/account/forgot", "forgot-password", new() { ["Input.Email"] = "nobody@nowhere.example" });
        Assert.Contains("If an account has this address, a link", unknown);   // the same answer: nobody learns who has an account
        Assert.Equal(2, Enqueued);
        // Asked again within the minute: no third mail queued.
        await StaticForm.SubmitAsync(client, "/account/forgot", "forgot-password", new() { ["Input.Email"] = user.Email.ToUpperInvariant() });
        Assert.Equal(2, Enqueued);

        // The jobs Hangfire runs: a mail for the account, none for the unknown address.
        await RunJobAsync(m => m.SendAsync(user.Email, CancellationToken.None));
        await RunJobAsync(m => m.SendAsync("nobody@nowhere.example", CancellationToken.None));
        var mail = Assert.Single(Mail.Received);
        Assert.Equal(user.Email, mail.ToAddresses.Single().Address);
        Assert.Equal("Reset your LiveAnalytics password", mail.Subject);
        var link = TestMailServer.LinkIn(mail, "/account/reset");

        var reset = await StaticForm.SubmitAsync(client, link, "reset-password", new() { ["Input.Password"] = "chosen-by-me-again", ["Input.Confirm"] = "chosen-by-me-again" });
        Assert.Contains("Your password is changed", reset);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var changed = (await users.FindByIdAsync(user.Id.ToString()))!;
            Assert.True(await users.CheckPasswordAsync(changed, "chosen-by-me-again"));
            Assert.False(await users.CheckPasswordAsync(changed, TestData.Password));
        }
        var again = await StaticForm.SubmitAsync(client, link, "reset-password", new() { ["Input.Password"] = "someone-elses-idea", ["Input.Confirm"] = "someone-elses-idea" });
        Assert.Contains("This link has expired or was used already", again);
    }

    [Fact]
    public async Task Without_an_smtp_server_the_page_sends_the_merchant_to_the_operator()
    {
        await using var app = new AppFactory();
        var page = await app.CreateClient().GetStringAsync("/account/forgot");
        Assert.Contains("This server sends no e-mail. Ask its operator", page);
        Assert.DoesNotContain("<form", page);
    }

    private async Task RunJobAsync(Func<PasswordResetMail, Task> job)
    {
        await using var scope = App.Services.CreateAsyncScope();
        await job(scope.ServiceProvider.GetRequiredService<PasswordResetMail>());
    }
}
