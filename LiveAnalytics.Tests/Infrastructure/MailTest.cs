namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>A test with an app of its own that mails through a fake SMTP server of its own: each test sees only its mails.</summary>
public abstract class MailTest : IAsyncLifetime
{
    protected TestMailServer Mail { get; } = new();
    protected AppFactory App { get; private set; } = default!;

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
