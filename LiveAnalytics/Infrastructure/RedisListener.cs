using StackExchange.Redis;

namespace LiveAnalytics.Infrastructure;

/// <summary>
/// Subscribes to a Redis channel at start-up, retrying until Redis answers (the app starts while
/// Redis is down). A message published while a node is not listening is missed; every listener's
/// owner therefore also lets its cached copies expire on their own.
/// </summary>
internal sealed class RedisListener(Func<Task> subscribe, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await subscribe();
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), time, ct);
            }
        }
    }
}

public static class RedisListenerExtensions
{
    public static IServiceCollection AddRedisListener(this IServiceCollection services, Func<IServiceProvider, Func<Task>> subscribe) =>
        services.AddSingleton<IHostedService>(sp => new RedisListener(subscribe(sp), sp.GetRequiredService<TimeProvider>()));
}
