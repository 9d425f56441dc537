using System.Buffers;
using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// POST /api/event: the tracker's beacon (Plausible-compatible). Sent as text/plain so that browsers
/// skip the CORS preflight; the body is JSON whatever the content type says. Every refusal is
/// problem+json naming what is wrong; 429 and 503 carry Retry-After and the tracker retries them.
/// </summary>
public static partial class EventEndpoint
{
    public const string DroppedHeader = "LiveAnalytics-Dropped";

    public static async Task<IResult> Handle(HttpContext http, IngestionService ingestion, RateLimits limits,
        BacklogMonitor backlog, IngestionMetrics metrics, IOptions<IngestionOptions> options, ILogger<IngestionService> logger,
        CancellationToken ct)
    {
        var opts = options.Value;
        // Any page may send beacons, and the tracker reads the status to know whether to retry.
        http.Response.Headers.AccessControlAllowOrigin = "*";
        var clientIp = http.Connection.RemoteIpAddress?.ToString() ?? "";
        if (!limits.AllowClient(clientIp))
            return metrics.Beacon(Outcomes.RateLimited, Refuse(http, StatusCodes.Status429TooManyRequests,
                $"Too many events from this address: at most {opts.PerIpPerSecond} per second.", 1));
        if (backlog.IsFull)
            return metrics.Beacon(Outcomes.Refused, Refuse(http, StatusCodes.Status503ServiceUnavailable,
                "Too many events are waiting to be stored; retry later.", opts.RetryAfterSeconds));

        ParseResult parsed;
        using (var body = await ReadBodyAsync(http.Request, opts.MaxBodyBytes, ct))
        {
            if (body is null)
                return metrics.Beacon(Outcomes.Invalid,
                    TypedResults.Problem($"The body is larger than {opts.MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge));
            parsed = EventPayloadParser.Parse(body.WrittenMemory);
        }
        if (parsed.Errors is { } errors)
            return metrics.Beacon(Outcomes.Invalid, TypedResults.ValidationProblem(errors, title: "The event is not valid."));

        try
        {
            var result = await ingestion.IngestAsync(parsed.Payload!, new EventOrigin(clientIp, http.Request.Headers.UserAgent.ToString()), ct);
            return result switch
            {
                { UnknownDomainName: { } unknown } => metrics.Beacon(Outcomes.UnknownSite, TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { ["domain"] = [$"No site is registered for '{unknown}'."] }, title: "The event is not valid.")),
                { RefusedField: { } refused } => metrics.Beacon(Outcomes.Invalid, TypedResults.ValidationProblem(refused.Errors, title: "The event is not valid.")),
                { RateLimitedSite: { } site } => metrics.Beacon(Outcomes.RateLimited, Refuse(http, StatusCodes.Status429TooManyRequests,
                    $"Too many events for {site}: at most {opts.PerSitePerSecond} per second.", 1)),
                // Bots and exclusions are answered like stored events: nothing to retry, nothing to learn for a bot.
                { DroppedBecause: { } reason } => metrics.Beacon(reason, Dropped(http, reason)),
                _ => metrics.Beacon(Outcomes.Accepted, TypedResults.Accepted((string?)null)),
            };
        }
        catch (Exception e) when (e is StreamUnavailableException or Npgsql.NpgsqlException or TimeoutException)
        {
            // Redis (the stream) or Postgres (an unknown site's lookup) is away: nothing was acknowledged.
            LogRefused(logger, e.InnerException ?? e);
            return metrics.Beacon(Outcomes.Refused, Refuse(http, StatusCodes.Status503ServiceUnavailable,
                "The event could not be stored right now; retry later.", opts.RetryAfterSeconds));
        }
    }

    [LoggerMessage(LogLevel.Warning, "An event was refused with 503: it could not be made durable")]
    private static partial void LogRefused(ILogger logger, Exception cause);

    /// <summary>The CORS preflight a browser sends if a page posts with another content type.</summary>
    public static IResult Preflight(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlAllowMethods = "POST";
        headers.AccessControlAllowHeaders = "Content-Type";
        headers.AccessControlMaxAge = "86400";
        return TypedResults.NoContent();
    }

    internal static IResult Refuse(HttpContext http, int status, string detail, int retryAfterSeconds)
    {
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString();
        return TypedResults.Problem(detail, statusCode: status);
    }

    private static IResult Dropped(HttpContext http, string reason)
    {
        http.Response.Headers[DroppedHeader] = reason;
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>
    /// Reads the whole body into a pooled buffer (a batch of 1,000 events is hundreds of kilobytes), or
    /// returns null as soon as it passes the limit. The caller disposes it once nothing reads it.
    /// </summary>
    internal static async Task<PooledBufferWriter?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit) return null;
        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(ct);
            if (read.Buffer.Length > limit)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return null;
            }
            if (read.IsCompleted)
            {
                var body = new PooledBufferWriter((int)read.Buffer.Length);
                foreach (var segment in read.Buffer) body.Write(segment.Span);
                reader.AdvanceTo(read.Buffer.End);
                return body;
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }
}
