using System.Threading.RateLimiting;
using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Accounts;

/// <summary>
/// Posts of the account forms (log in, sign up, forgot and reset password, two-factor codes, change password, invitations)
/// per client address: <see cref="AccountsOptions.FormPostsPerMinute"/>, then 429 for the rest of the minute. The lockout
/// guards one account against guesses; this guards all of them against one address trying a password on each (spraying),
/// signing up in bulk, or asking reset mails for a list of addresses. Counted in Redis, so that N nodes behind a load
/// balancer do not allow N times as many; with Redis unreachable each node counts its own.
/// </summary>
public static partial class AccountFormLimits
{
    // A fixed window per address and minute: the key's first post sets it to expire with the minute.
    private const string CountScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    public static WebApplication UseAccountFormLimits(this WebApplication app)
    {
        var perMinute = app.Services.GetRequiredService<IOptions<AccountsOptions>>().Value.FormPostsPerMinute;
        var (redis, prefix) = (app.Services.GetRequiredService<IConnectionMultiplexer>(), app.Services.GetRequiredService<IOptions<RedisOptions>>().Value.KeyPrefix);
        var time = app.Services.GetRequiredService<TimeProvider>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccountFormLimits));
        var local = PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetFixedWindowLimiter(
            http.Connection.RemoteIpAddress?.ToString() ?? "", _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
            }));

        async Task<bool> AllowedAsync(HttpContext http)
        {
            var address = http.Connection.RemoteIpAddress?.ToString() ?? "";
            var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
            try
            {
                var posts = (long)await redis.GetDatabase().ScriptEvaluateAsync(CountScript,
                    [(RedisKey)$"{prefix}:account-posts:{address}:{minute}"], [60_000]);
                return posts <= perMinute;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogCountedLocally(logger, ex);
                using var lease = local.AttemptAcquire(http);
                return lease.IsAcquired;
            }
        }

        app.UseWhen(http => HttpMethods.IsPost(http.Request.Method) && http.Request.Path.StartsWithSegments("/account"), branch =>
            branch.Use(async (http, next) =>
            {
                if (await AllowedAsync(http))
                {
                    await next(http);
                    return;
                }
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = "60";
                await http.Response.WriteAsync("Too many attempts from your address: wait a minute, then try again.");
            }));
        return app;
    }

    [LoggerMessage(LogLevel.Warning, "Redis could not count an account form's post; this node counts them alone meanwhile")]
    private static partial void LogCountedLocally(ILogger logger, Exception ex);
}
