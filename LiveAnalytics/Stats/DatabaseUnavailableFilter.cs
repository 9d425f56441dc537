using LiveAnalytics.Settings;

namespace LiveAnalytics.Stats;

/// <summary>
/// When PostgreSQL is away, or a query outlasts its command timeout (a long period on a very busy
/// site), the Stats API answers 503 with Retry-After and says so, instead of an opaque 500.
/// </summary>
public sealed partial class DatabaseUnavailableFilter(ILogger<DatabaseUnavailableFilter> logger) : IEndpointFilter
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException && !context.HttpContext.Response.HasStarted)
        {
            LogUnavailable(ex, context.HttpContext.Request.Path);
            context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
            return ApiError.Problem(StatusCodes.Status503ServiceUnavailable,
                "The statistics could not be read right now (the database is unavailable or the query took too long); retry shortly, or ask for a shorter period.");
        }
    }

    [LoggerMessage(LogLevel.Warning, "A Stats API request to {Path} failed on the database")]
    private partial void LogUnavailable(Exception ex, string path);
}
