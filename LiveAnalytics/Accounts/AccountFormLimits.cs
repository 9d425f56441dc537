using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Accounts;

/// <summary>
/// Posts of the account forms (log in, sign up, forgot and reset password, change password, invitations) per client
/// address: <see cref="AccountsOptions.FormPostsPerMinute"/>, then 429 for the rest of the minute. The lockout guards
/// one account against guesses; this guards all of them against one address trying a password on each (spraying),
/// signing up in bulk, or asking reset mails for a list of addresses.
/// </summary>
public static class AccountFormLimits
{
    public static WebApplication UseAccountFormLimits(this WebApplication app)
    {
        var perMinute = app.Services.GetRequiredService<IOptions<AccountsOptions>>().Value.FormPostsPerMinute;
        var limiter = PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimitPartition.GetFixedWindowLimiter(
            http.Connection.RemoteIpAddress?.ToString() ?? "", _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
            }));
        app.UseWhen(http => HttpMethods.IsPost(http.Request.Method) && http.Request.Path.StartsWithSegments("/account"), branch =>
            branch.Use(async (http, next) =>
            {
                using var lease = limiter.AttemptAcquire(http);
                if (lease.IsAcquired)
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
}
