using LiveAnalytics.Persistence;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace LiveAnalytics.Infrastructure;

public static class InfrastructureExtensions
{
    /// <summary>Postgres (one pooled data source) and Redis (one multiplexer), validated on start; who reaches the operator's tools.</summary>
    public static IHostApplicationBuilder AddInfrastructure(this IHostApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.Services.AddOptions<PersistenceOptions>()
            .Bind(config.GetSection(PersistenceOptions.Section))
            .Configure(o => o.ConnectionString = config.GetConnectionString("Postgres") ?? o.ConnectionString)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<RedisOptions>()
            .Bind(config.GetSection(RedisOptions.Section))
            .Configure(o => o.ConnectionString = config.GetConnectionString("Redis") ?? o.ConnectionString)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<OperatorOptions>()
            .Bind(config.GetSection(OperatorOptions.Section))
            .Validate(o => o.AllowedNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)),
                "Operators:AllowedNetworks must hold CIDR ranges such as 10.0.0.0/8.")
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OperatorNetworks>();

        DateTimeOffsetHandler.Register();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<NodeIdentity>();
        builder.Services.AddSingleton(sp =>
            new NpgsqlDataSourceBuilder(sp.GetRequiredService<IOptions<PersistenceOptions>>().Value.ConnectionString).Build());
        builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
            ConnectionMultiplexer.Connect(RedisConfiguration(sp.GetRequiredService<IOptions<RedisOptions>>().Value)));
        return builder;
    }

    /// <summary>
    /// AbortOnConnectFail=false lets the app start (and answer 503) while Redis is down,
    /// and reconnect by itself once Redis is back.
    /// </summary>
    public static ConfigurationOptions RedisConfiguration(RedisOptions options)
    {
        var c = ConfigurationOptions.Parse(options.ConnectionString);
        c.AbortOnConnectFail = false;
        c.ConnectTimeout = 3000;
        c.AsyncTimeout = 3000;
        c.SyncTimeout = 3000;
        return c;
    }
}
