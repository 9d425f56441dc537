using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>The app on a clock the test moves (a FakeTimeProvider): midnights and visits' timeouts on demand.</summary>
public sealed class ClockedAppFactory(TimeProvider clock) : AppFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(clock));
    }
}

/// <summary>A merchant with an API key on a <see cref="ClockedAppFactory"/>, for tests of how the batch API's events form visits.</summary>
public sealed class ClockedShop : IAsyncDisposable
{
    private ClockedShop(FakeTimeProvider clock, AppFactory app, Merchant merchant, string apiKey) =>
        (Clock, App, Merchant, _apiKey) = (clock, app, merchant, apiKey);

    private readonly string _apiKey;

    public FakeTimeProvider Clock { get; }
    public AppFactory App { get; }
    public Merchant Merchant { get; }

    public static async Task<ClockedShop> OpenAsync(DateTimeOffset now)
    {
        var clock = new FakeTimeProvider(now);
        var app = new ClockedAppFactory(clock);
        var merchant = await app.MerchantAsync();
        return new ClockedShop(clock, app, merchant, await app.ApiKeyAsync(merchant.User.Id));
    }

    /// <summary>Pageviews of the batch test visitor (<see cref="TestData.BatchPageview"/>); an item without a time happens now.</summary>
    public Task SendAsync(params (string Path, DateTimeOffset? At)[] items) =>
        TestData.PostPageviewsAsync(App.CreateClient(), _apiKey, Merchant.Site.Domain, items);

    /// <summary>The stored events by path (without its leading slash).</summary>
    public async Task<Dictionary<string, (long Visitor, long Session)>> StoredAsync()
    {
        await using var conn = await App.Get<NpgsqlDataSource>().OpenConnectionAsync();
        var rows = await conn.QueryAsync<(string Path, long Visitor, long Session)>(
            "SELECT pathname, visitor_id, session_id FROM events WHERE site_id = @Id", new { Merchant.Site.Id });
        return rows.ToDictionary(r => r.Path[1..], r => (r.Visitor, r.Session));
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
