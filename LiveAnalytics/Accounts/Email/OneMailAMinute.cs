using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Accounts.Email;

/// <summary>
/// At most one mail of a kind an address a minute, across the nodes (a Redis key that expires with the minute), so that
/// no form, posted again and again, floods anybody's inbox.
/// </summary>
public sealed class OneMailAMinute(IConnectionMultiplexer redis, IOptions<RedisOptions> options)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <param name="normalizedAddress">The address as Identity normalizes it, so that case makes no second mail.</param>
    /// <returns>False if a mail of this kind went to the address within the minute.</returns>
    public Task<bool> TakeAsync(string kind, string normalizedAddress) =>
        redis.GetDatabase().StringSetAsync($"{options.Value.KeyPrefix}:{kind}:{normalizedAddress}", 1, Minute, When.NotExists);
}
