using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// POST /api/event: the tracker's beacon (Plausible-compatible). Sent as text/plain so that
/// browsers skip the CORS preflight; the body is JSON whatever the content type says.
/// </summary>
public static class EventEndpoint
{
    public const string DroppedHeader = "LiveAnalytics-Dropped";

    public static async Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> Handle(
        HttpContext http, IngestionService ingestion, IOptions<IngestionOptions> options, CancellationToken ct)
    {
        var opts = options.Value;
        var body = await ReadBodyAsync(http.Request, opts.MaxBodyBytes, ct);
        if (body is null)
            return TypedResults.Problem($"The body is larger than {opts.MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);

        var parsed = EventPayloadParser.Parse(body.Value);
        if (parsed.Errors is { } errors)
            return TypedResults.ValidationProblem(errors, title: "The event is not valid.");

        var clientIp = http.Connection.RemoteIpAddress?.ToString() ?? "";
        var userAgent = http.Request.Headers.UserAgent.ToString();
        try
        {
            var result = await ingestion.IngestAsync(parsed.Payload!, clientIp, userAgent, ct: ct);
            if (result.UnknownDomainName is { } unknown)
                return TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { ["domain"] = [$"No site is registered for '{unknown}'."] },
                    title: "The event is not valid.");
            // Bots and exclusions are answered like stored events: nothing to retry, nothing to learn for a bot.
            if (result.DroppedBecause is { } reason) http.Response.Headers[DroppedHeader] = reason;
            return TypedResults.Accepted((string?)null);
        }
        catch (Exception e) when (e is StreamUnavailableException or Npgsql.NpgsqlException or TimeoutException)
        {
            // Redis (the stream) or Postgres (an unknown site's lookup) is away: nothing was acknowledged.
            http.Response.Headers.RetryAfter = opts.RetryAfterSeconds.ToString();
            return TypedResults.Problem("The event could not be stored right now; retry later.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>Reads the whole body, or returns null as soon as it passes the limit.</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
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
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }
}
