namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>One app instance shared by the tests of a class; each test makes its own merchant and site.</summary>
public sealed class AppFixture : IAsyncLifetime
{
    public AppFactory App { get; } = new();

    public Task InitializeAsync()
    {
        _ = App.Server; // starts the host: migrations run, the stream feed starts
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}
