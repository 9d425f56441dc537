using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

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
