using LiveAnalytics.Accounts;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Accounts;

/// <summary>A merchant changes the address they log in with, on the account page: with mail through a link to the new address.</summary>
public sealed class EmailChangeTests : MailTest
{
    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    [Fact]
    public async Task The_new_address_takes_over_once_the_link_mailed_to_it_is_opened()
    {
        var user = await App.UserAsync();
        var other = await App.UserAsync();
        var next = $"n{Guid.NewGuid():N}@new.example";
        var client = App.CreateClient();
        await StaticForm.SubmitAsync(client, "/account/login", "login", EmailAndPassword(user.Email));

        Assert.Contains("The password is wrong.", await StaticForm.SubmitAsync(client, "/account", "change-email", EmailAndPassword(next, "not-the-password")));
        Assert.Contains($"Another account uses {other.Email}.", await StaticForm.SubmitAsync(client, "/account", "change-email", EmailAndPassword(other.Email)));
        Assert.Contains("That is your address already.", await StaticForm.SubmitAsync(client, "/account", "change-email", EmailAndPassword(user.Email.ToUpperInvariant())));
        var asked = Text(await StaticForm.SubmitAsync(client, "/account", "change-email", EmailAndPassword(next)));
        Assert.Contains($"We sent a link to {next}", asked);
        Assert.Equal(1, Enqueued);
        Assert.Equal(user.Email, (await InScopeAsync(s => s.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(user.Id.ToString())))!.Email);

        await InScopeAsync(async s => { await s.GetRequiredService<EmailChangeMail>().SendAsync(user.Id, next, CancellationToken.None); return 0; });
        var mail = Assert.Single(Mail.Received);
        Assert.Equal((next, "Confirm your new LiveAnalytics address"), (mail.ToAddresses.Single().Address, mail.Subject));
        var link = TestMailServer.LinkIn(mail, "/account/email");
        Assert.Contains("not whole", await client.GetStringAsync(link.Replace("email=", "email=x")));   // the token is the address's

        // Opening the link only asks (a mail scanner following it changes nothing); the button makes the change.
        Assert.Contains($"Log in to your LiveAnalytics account with {next} from now on?", Text(await client.GetStringAsync(link)));
        Assert.Equal(user.Email, (await InScopeAsync(s => s.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(user.Id.ToString())))!.Email);
        Assert.Contains($"You log in with {next} from now on", Text(await StaticForm.SubmitAsync(client, link, "confirm-email-change", [])));
        Assert.Contains("was used already", await client.GetStringAsync(link));   // once: the change renewed the security stamp
        var changed = (await InScopeAsync(s => s.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(user.Id.ToString())))!;
        Assert.Equal((next, true), (changed.Email, changed.EmailConfirmed));
        Assert.NotEqual(user.SecurityStamp, changed.SecurityStamp);   // every session is signed out at its next check

        // The old address is told.
        Assert.Equal(2, Enqueued);
        await InScopeAsync(async s => { await s.GetRequiredService<EmailChangeMail>().NoticeAsync(user.Email, next, CancellationToken.None); return 0; });
        Assert.Contains(next, Mail.Received.Single(m => m.ToAddresses[0].Address == user.Email).MessageParts[0].BodyData);

        Assert.Contains("The email or the password is wrong.", await StaticForm.SubmitAsync(client, "/account/login", "login", EmailAndPassword(user.Email)));
        Assert.DoesNotContain("login-submit", await StaticForm.SubmitAsync(client, "/account/login", "login", EmailAndPassword(next)));
    }

    [Fact]
    public async Task Without_mail_the_address_changes_at_once()
    {
        await using var app = new AppFactory();
        var user = await app.UserAsync();
        var next = $"n{Guid.NewGuid():N}@new.example";
        var client = app.CreateClient();
        await StaticForm.SubmitAsync(client, "/account/login", "login", EmailAndPassword(user.Email));
        Assert.Contains($"You log in with {next} from now on", Text(await StaticForm.SubmitAsync(client, "/account", "change-email", EmailAndPassword(next))));
        Assert.Contains("Your account", await client.GetStringAsync("/account"));   // this session goes on
        var other = app.CreateClient();
        Assert.DoesNotContain("login-submit", await StaticForm.SubmitAsync(other, "/account/login", "login", EmailAndPassword(next)));
    }
}
