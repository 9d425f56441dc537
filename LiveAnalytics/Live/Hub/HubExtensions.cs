using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Live.Hub;

public static class HubExtensions
{
    public const string Policy = "LiveHub";

    public static IHostApplicationBuilder AddLiveHub(this IHostApplicationBuilder builder)
    {
        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, LiveTokenAuthentication>(LiveTokenAuthentication.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(LiveTokenAuthentication.SchemeName)
            .RequireClaim(LiveTokenAuthentication.SiteClaim));
        builder.Services.AddSignalR()
            .AddJsonProtocol(o => o.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower)
            // JSON only: the backplane serialises every message once per protocol the hub supports, and
            // Blazor's own protocol (registered for its circuits) is of no use to this hub's clients.
            .AddHubOptions<LiveHub>(o => o.SupportedProtocols = ["json"]);
        // The Redis backplane for this hub only: Blazor's own circuits stay on their node (sticky sessions).
        builder.Services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>().Configure<IConnectionMultiplexer, IOptions<Infrastructure.RedisOptions>>((o, redis, ours) =>
        {
            o.Configuration.ChannelPrefix = RedisChannel.Literal($"{ours.Value.KeyPrefix}:signalr");
            o.ConnectionFactory = _ => Task.FromResult(redis);
        });
        builder.Services.AddSingleton<HubLifetimeManager<LiveHub>, Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisHubLifetimeManager<LiveHub>>();
        builder.Services.AddSingleton<HubListeners>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HubListeners>());
        builder.Services.AddSingleton<HubPublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HubPublisher>());
        return builder;
    }

    public static WebApplication MapLiveHub(this WebApplication app)
    {
        app.MapHub<LiveHub>(LiveHub.Path).RequireAuthorization(Policy);
        return app;
    }
}
