using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>
/// An app whose every request arrives from <paramref name="address"/> (the test server's have none), as from a proxy or a client
/// elsewhere; with another factory's <paramref name="keyPrefix"/>, a second node of its installation.
/// </summary>
public sealed class RemoteAddressAppFactory(IPAddress address, IDictionary<string, string?>? settings = null, string? keyPrefix = null)
    : AppFactory(settings, keyPrefix)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter>(new From(address)));
    }

    private sealed class From(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
