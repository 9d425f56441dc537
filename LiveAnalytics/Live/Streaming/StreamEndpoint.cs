using LiveAnalytics.Settings;
using LiveAnalytics.Stats;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Live.Streaming;

/// <summary><c>GET /api/v1/stream?site_id=DOMAIN</c>: the site's events and live counters as Server-Sent Events.</summary>
public static class StreamEndpoint
{
    public static RouteHandlerBuilder MapEventStream(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/stream", Handle)
            .AddEndpointFilter<ApiKeyAuthFilter>().AddEndpointFilter<SiteScopeFilter>()
            .WithName("EventStream");

    private static async Task<IResult> Handle(HttpContext http, EventHub hub, StreamReplay replay, StreamMetrics metrics,
        IOptions<StreamOptions> options, TimeProvider time)
    {
        // EventSource sends Last-Event-ID itself on reconnect; the query form is for a client's first connect.
        var resume = http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header : http.Request.Query["last_event_id"].ToString();
        StreamId? after = null;
        if (resume.Length > 0)
        {
            if (!StreamId.TryParse(resume, out var id))
                return ApiError.Problem(StatusCodes.Status400BadRequest,
                    $"Last-Event-ID '{Truncate(resume)}' is not an event id from this stream (like 1732780800000-0).");
            after = id;
        }
        var site = SiteScopeFilter.Of(http);
        using var connected = metrics.Connected();
        try
        {
            await new EventStreamConnection(hub, replay, options.Value, time).RunAsync(http.Response, site.Id, after, http.RequestAborted);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away: the normal end of a stream.
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException && !http.Response.HasStarted)
        {
            // The replay could not read Redis: the client retries, with the same Last-Event-ID.
            http.Response.Headers.RetryAfter = "5";
            return ApiError.Problem(StatusCodes.Status503ServiceUnavailable, "The event stream is unavailable; retry shortly.");
        }
        return Results.Empty;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
