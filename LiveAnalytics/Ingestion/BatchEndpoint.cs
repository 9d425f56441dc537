using System.Text.Json;
using System.Text.Json.Serialization;
using LiveAnalytics.Settings;
using LiveAnalytics.Sites;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// POST /api/v1/events: up to 1,000 events from a server (a shop's order webhook, a backend), with an
/// API key. Every item gets its own result; the accepted ones are stored with one COPY before the
/// answer (<see cref="IngestionService.StoreAsync"/>). If they could not be made durable the answer
/// is 503 with Retry-After, and the results say which items to resend (resending the same ids stores
/// nothing twice).
/// </summary>
public static class BatchEndpoint
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 6 };

    public static async Task<IResult> Handle(HttpContext http, IngestionService ingestion, SiteAccess access,
        IngestionMetrics metrics, IOptions<IngestionOptions> options, TimeProvider time, CancellationToken ct)
    {
        var o = options.Value;
        // The document reads from the pooled body until it is disposed, so the body goes after it.
        using var body = await EventEndpoint.ReadBodyAsync(http.Request, o.MaxBatchBytes, ct);
        if (body is null)
            return TypedResults.Problem($"The body is larger than {o.MaxBatchBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        if (!System.Text.Unicode.Utf8.IsValid(body.WrittenSpan))
            return Invalid("The body is not valid UTF-8.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body.WrittenMemory, DocumentOptions); }
        catch (JsonException e) { return Invalid($"The body is not valid JSON: {e.Message}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                return Invalid("The body must be a JSON array of events.");
            var count = doc.RootElement.GetArrayLength();
            if (count is 0 || count > o.MaxBatchEvents)
                return Invalid($"A batch holds 1 to {o.MaxBatchEvents} events; this one has {count}.");
            var (answer, results) = await IngestAllAsync(http, doc.RootElement, ingestion, access, o, time.GetUtcNow(), ct);
            foreach (var outcome in results.GroupBy(r => r.Outcome)) metrics.BatchItems(outcome.Key, outcome.Count());
            return answer;
        }
    }

    private static async Task<(IResult, ItemResult[])> IngestAllAsync(HttpContext http, JsonElement items, IngestionService ingestion,
        SiteAccess access, IngestionOptions o, DateTimeOffset now, CancellationToken ct)
    {
        var key = ApiKeyAuthFilter.Of(http);
        var allowed = new Dictionary<string, bool>();
        var results = new ItemResult[items.GetArrayLength()];
        var events = new List<PendingEvent>(results.Length);
        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            results[i++] = await PrepareAsync(item, key, allowed, events, ingestion, access, o, now, ct);
        }
        try
        {
            await ingestion.StoreAsync(events);
        }
        catch (StreamUnavailableException)
        {
            // One COPY or one script call stores them all or none: none of the accepted items may be acknowledged.
            for (var j = 0; j < results.Length; j++)
                if (results[j].Status == "accepted") results[j] = results[j] with { Status = "unavailable", Reason = "the event could not be stored; resend it", Outcome = Outcomes.Refused };
        }
        var response = new BatchResponse(results.Count(r => r.Status == "accepted"), results.Count(r => r.Status == "dropped"),
            results.Count(r => r.Status == "rejected"), results);
        if (results.Any(r => r.Status == "unavailable"))
        {
            http.Response.Headers.RetryAfter = o.RetryAfterSeconds.ToString();
            return (TypedResults.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable), results);
        }
        return (TypedResults.Ok(response), results);
    }

    private static async ValueTask<ItemResult> PrepareAsync(JsonElement item, ApiKeyPrincipal key, Dictionary<string, bool> allowed,
        List<PendingEvent> events, IngestionService ingestion, SiteAccess access, IngestionOptions o, DateTimeOffset now, CancellationToken ct)
    {
        var (payload, origin, errors) = BatchItemParser.Parse(item, now, o);
        if (errors is not null) return ItemResult.Rejected(errors, Outcomes.Invalid);
        var domain = payload!.Domains[0];
        if (!allowed.TryGetValue(domain, out var ok)) allowed[domain] = ok = await access.FindAsync(key, domain, write: true) is not null;
        if (!ok) return ItemResult.Rejected(new Dictionary<string, string[]>
        {
            ["domain"] = [$"This API key has no access to site '{domain}' (sending events takes a key of one of its owners or admins)."],
        }, Outcomes.Forbidden);
        try
        {
            var (result, prepared) = await ingestion.PrepareAsync(payload, origin!, ct);
            events.AddRange(prepared);
            return result switch
            {
                { UnknownDomainName: { } d } => ItemResult.Rejected(new Dictionary<string, string[]> { ["domain"] = [$"No site is registered for '{d}'."] }, Outcomes.UnknownSite),
                { RateLimitedSite: not null } => new ItemResult("unavailable", origin!.EventId, "rate limited") { Outcome = Outcomes.RateLimited },
                { RefusedField: { } refused } => ItemResult.Rejected(refused.Errors, Outcomes.Invalid),
                { DroppedBecause: { } reason } => new ItemResult("dropped", origin!.EventId, reason) { Outcome = reason },
                _ => new ItemResult("accepted", origin!.EventId) { Outcome = Outcomes.Accepted },
            };
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            return new ItemResult("unavailable", origin!.EventId, "the event could not be stored; resend it") { Outcome = Outcomes.Refused };
        }
    }

    private static IResult Invalid(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [message] }, title: "The batch is not valid.");

    /// <param name="Status">accepted, dropped (a bot, an exclusion), rejected (see errors), or unavailable (resend it).</param>
    public sealed record ItemResult(
        string Status,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? Id = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IDictionary<string, string[]>? Errors = null)
    {
        /// <summary>For <see cref="IngestionMetrics"/>, not the answer: finer than the status (why rejected, why unavailable).</summary>
        [JsonIgnore]
        public string Outcome { get; init; } = "";

        public static ItemResult Rejected(IDictionary<string, string[]> errors, string outcome) => new("rejected", Errors: errors) { Outcome = outcome };
    }

    public sealed record BatchResponse(int Accepted, int Dropped, int Rejected, IReadOnlyList<ItemResult> Results);
}
