using System.Text.Json;

namespace LiveAnalytics.Ingestion;

/// <summary>The fields of an <c>engagement</c> beacon, as Plausible's script names them where it has them (<c>e</c>, <c>sd</c>).</summary>
public static partial class EventPayloadParser
{
    /// <summary>
    /// <c>"e"</c>: milliseconds engaged since the last report (0 to <see cref="Engagement.MaxEngagedMs"/>); <c>"sd"</c>: the
    /// deepest scroll so far, percent of the page; <c>"sp"</c>: the deepest at the page view's last report (0 on the first);
    /// <c>"f"</c>: the page view's first report. Only with the name <c>engagement</c>, which needs <c>e</c> and <c>sd</c>.
    /// </summary>
    private static Engagement? ReadEngagement(JsonElement root, Errors errors, string? name)
    {
        var engaged = Whole(root, errors, "e", 0, Engagement.MaxEngagedMs);
        var deepest = Whole(root, errors, "sd", 0, 100);
        var previous = Whole(root, errors, "sp", 0, 100);
        var first = Field(root, "f") is { } f ? f.ValueKind switch
        {
            JsonValueKind.True or JsonValueKind.False => f.ValueKind == JsonValueKind.True,
            JsonValueKind.Number when f.TryGetInt32(out var n) && n is 0 or 1 => n == 1,
            _ => (bool?)null,
        } : false;
        if (first is null) errors.Add("f", "'f' (the page view's first report) must be 1, 0, true or false.");
        if (name != Engagement.EventName)
        {
            if (Field(root, "e") is not null || Field(root, "sd") is not null || Field(root, "sp") is not null || Field(root, "f") is not null)
                errors.Add("name", $"'e', 'sd', 'sp' and 'f' report engagement: they go with the name '{Engagement.EventName}' only.");
            return null;
        }
        if (Field(root, "e") is null) errors.Add("e", "'e' (milliseconds engaged since the last report) is required for engagement.");
        if (Field(root, "sd") is null) errors.Add("sd", "'sd' (the deepest scroll so far, percent of the page) is required for engagement.");
        if (previous > deepest) errors.Add("sp", "'sp' (the deepest scroll at the last report) must not be more than 'sd'.");
        return engaged is { } ms && deepest is { } depth && first is { } isFirst
            ? new Engagement(ms, depth - Math.Min(previous ?? 0, depth), isFirst)
            : null;
    }

    private static int? Whole(JsonElement root, Errors errors, string field, int min, int max)
    {
        if (Field(root, field) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= min && n <= max) return n;
        errors.Add(field, $"'{field}' must be a whole number from {min} to {max}.");
        return null;
    }
}
