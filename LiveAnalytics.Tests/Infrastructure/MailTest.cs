using Hangfire;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>A test with an app of its own that mails through a fake SMTP server of its own: each test sees only its mails.</summary>
public abstract class MailTest : IAsyncLifetime
{
    protected TestMailServer Mail { get; } = new();
    protected AppFactory App { get; private set; } = default!;

    /// <summary>Jobs queued and not run (this app runs none: a test runs the mail jobs itself, to see what they send).</summary>
    protected long Enqueued => App.Get<JobStorage>().GetMonitoringApi().EnqueuedCount("default");

    /// <summary>The fields of the forms that take an address and a password: log in, change the address.</summary>
    protected static Dictionary<string, string> EmailAndPassword(string email, string password = TestData.Password) =>
        new() { ["Input.Email"] = email, ["Input.Password"] = password };

    /// <summary>A page's text without its tags, as a reader sees it.</summary>
    protected static string Text(string html) => System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Replace(html, "<[^>]+>", ""));

    public Task InitializeAsync()
    {
        App = new AppFactory(Mail.Settings);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        Mail.Dispose();
    }
}
