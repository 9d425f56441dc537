using System.Text.Json;
using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Settings;

/// <summary>The JSON object an API request sends, read within limits, or the problem (4xx) that says what is wrong with it.</summary>
public static class JsonBody
{
    /// <param name="members">What the endpoint reads: another member is refused, since ignoring it would answer 200 for what was
    /// not done (a misspelt "time_zone" made a site in UTC).</param>
    public static async Task<(JsonDocument? Body, IResult? Problem)> ReadObjectAsync(HttpContext http, int maxBytes, int maxDepth, CancellationToken ct,
        params string[] members)
    {
        using var body = await EventEndpoint.ReadBodyAsync(http.Request, maxBytes, ct);
        if (body is null) return (null, ApiError.Problem(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {maxBytes} bytes."));
        // The reader takes strings' bytes as they come: text that is no UTF-8 or Unicode would throw when read.
        if (!System.Text.Unicode.Utf8.IsValid(body.WrittenSpan))
            return (null, ApiError.Problem(StatusCodes.Status400BadRequest, "The body is not valid UTF-8."));
        JsonDocument doc;
        // A copy: the document outlives the pooled buffer.
        try { doc = JsonDocument.Parse(body.WrittenMemory.ToArray(), new JsonDocumentOptions { MaxDepth = maxDepth }); }
        catch (JsonException e) { return (null, ApiError.Problem(StatusCodes.Status400BadRequest, $"The body is not valid JSON: {e.Message}")); }
        var problem = doc.RootElement.ValueKind != JsonValueKind.Object ? "The body must be a JSON object."
            : EventPayloadParser.HasInvalidUnicode(doc.RootElement) ? EventPayloadParser.InvalidUnicode
            : Unknown(doc.RootElement, members) is { } unknown
                ? $"Unknown member '{Infrastructure.Quoted.Clip(unknown, 80)}': send only {string.Join(", ", members.Select(m => $"'{m}'"))}."
            : null;
        if (problem is null) return (doc, null);
        doc.Dispose();
        return (null, ApiError.Problem(StatusCodes.Status400BadRequest, problem));
    }

    private static string? Unknown(JsonElement root, string[] members) =>
        root.EnumerateObject().Select(m => m.Name).FirstOrDefault(name => !members.Contains(name, StringComparer.Ordinal));
}
