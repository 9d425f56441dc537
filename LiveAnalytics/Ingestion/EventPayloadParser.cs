using System.Buffers;
using System.Text.Json;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Reads Plausible's event payload (long and short field names) and checks every field.
/// Errors name the field and the rule, so a client developer can fix the call from the message alone.
/// </summary>
public static partial class EventPayloadParser
{
    public const int MaxNameLength = 120;
    public const int MaxUrlLength = 2048;
    public const int MaxDomains = 10;
    public const int MaxProps = 30;
    public const int MaxPropKeyLength = 300;
    public const int MaxPropValueLength = 2000;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 4 };
    private static readonly SearchValues<char> ControlChars =
        SearchValues.Create(Enumerable.Range(0, 32).Select(i => (char)i).Append('\u007f').ToArray());

    public static ParseResult Parse(ReadOnlyMemory<byte> body)
    {
        if (!IsValidUtf8(body.Span))
            return ParseResult.Fail("body", "The body is not valid UTF-8.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            return ParseResult.Fail("body", $"The body is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return ParseResult.Fail("body", "The body must be a JSON object.");
            return Read(doc.RootElement);
        }
    }

    /// <summary>Reads one event object; <paramref name="errors"/> collects what is wrong, by field.</summary>
    public static ParseResult Read(JsonElement root, Dictionary<string, List<string>>? errors = null)
    {
        try
        {
            return ReadFields(root, new Errors(errors ?? []));
        }
        catch (InvalidOperationException) when (HasInvalidUnicode(root))
        {
            return ParseResult.Fail("body", InvalidUnicode);
        }
    }

    public const string InvalidUnicode = "The JSON holds an escaped lone surrogate (e.g. \\ud800): that is not valid Unicode text.";

    /// <summary>JSON may escape half of a UTF-16 pair (\ud800); such a string cannot be read as text.</summary>
    public static bool HasInvalidUnicode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                try { element.GetString(); return false; }
                catch (InvalidOperationException) { return true; }
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    try { _ = p.Name; }
                    catch (InvalidOperationException) { return true; }
                    if (HasInvalidUnicode(p.Value)) return true;
                }
                return false;
            case JsonValueKind.Array:
                return element.EnumerateArray().Any(HasInvalidUnicode);
            default:
                return false;
        }
    }

    private static ParseResult ReadFields(JsonElement root, Errors e)
    {
        var name = RequiredString(root, e, "name", "n", MaxNameLength);
        var url = AbsoluteUrl(e, "url", RequiredString(root, e, "url", "u", MaxUrlLength), required: true);
        var domains = Domains(root, e);
        var referrerText = OptionalString(root, e, "referrer", "r", MaxUrlLength);
        var referrer = string.IsNullOrEmpty(referrerText) ? null : AbsoluteUrl(e, "referrer", referrerText, required: false);
        var props = Props(root, e);
        var (amount, currency) = Revenue(root, e);
        var id = Id(root, e);
        var hashRouting = HashRouting(root, e);
        var engagement = ReadEngagement(root, e, name);
        return e.Any
            ? ParseResult.Fail(e.ToDictionary())
            : ParseResult.Ok(new EventPayload(name!, url!, domains, referrer, props, amount, currency, id, hashRouting, engagement));
    }

    private static JsonElement? Field(JsonElement root, params string[] names)
    {
        foreach (var n in names)
            if (root.TryGetProperty(n, out var v) && v.ValueKind != JsonValueKind.Null)
                return v;
        return null;
    }

    private static string? RequiredString(JsonElement root, Errors errors, string name, string shortName, int max)
    {
        if (Field(root, name, shortName) is null)
        {
            errors.Add(name, $"'{name}' is required.");
            return null;
        }
        var value = OptionalString(root, errors, name, shortName, max);
        if (value is { Length: 0 }) errors.Add(name, $"'{name}' must not be empty.");
        return value;
    }

    /// <summary>For callers that read further fields of the same object (the batch API).</summary>
    public static string? OptionalString(JsonElement root, Dictionary<string, List<string>> errors, string name, int max) =>
        OptionalString(root, new Errors(errors), name, name, max);

    private static string? OptionalString(JsonElement root, Errors errors, string name, string shortName, int max)
    {
        if (Field(root, name, shortName) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.String)
        {
            errors.Add(name, $"'{name}' must be a string.");
            return null;
        }
        var s = v.GetString()!;
        if (s.Length > max) errors.Add(name, $"'{name}' is {s.Length} characters; at most {max} are allowed.");
        else if (s.AsSpan().ContainsAny(ControlChars)) errors.Add(name, $"'{name}' must not contain control characters.");
        else return s;
        return null;
    }

    private static Guid? Id(JsonElement root, Errors errors)
    {
        if (OptionalString(root, errors, "id", "i", 36) is not { } text) return null;
        if (Guid.TryParse(text, out var id) && id != Guid.Empty) return id;
        errors.Add("id", "'id' must be a UUID, e.g. 0192f0c4-5e1a-7cc0-9b3e-2f1d4a5b6c7d.");
        return null;
    }

    /// <summary>
    /// <c>"h": 1</c> (the tracker's <c>data-hash</c>, as Plausible's script sends it): the store routes its pages by the
    /// URL's fragment (<c>/#/products/hat</c>), which is then part of the page.
    /// </summary>
    private static bool HashRouting(JsonElement root, Errors errors)
    {
        if (Field(root, "hashMode", "h") is not { } v) return false;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.ValueKind == JsonValueKind.True;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n is 0 or 1) return n == 1;
        errors.Add("hashMode", "'h' (hash routing) must be 1, 0, true or false.");
        return false;
    }

    private static Uri? AbsoluteUrl(Errors errors, string field, string? text, bool required)
    {
        if (text is null) return null;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (!required || uri.Scheme is "http" or "https") && uri.Host.Length > 0)
            return uri;
        errors.Add(field, required
            ? $"'{field}' must be an absolute http or https URL."
            : $"'{field}' must be an absolute URL.");
        return null;
    }

    private static IReadOnlyList<string> Domains(JsonElement root, Errors errors)
    {
        var text = RequiredString(root, errors, "domain", "d", 1000);
        if (string.IsNullOrEmpty(text)) return [];
        // As sites are stored: lower case, no www. One site is the usual beacon: no split, no set.
        string[] domains = text.Contains(',')
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(SiteDomain.Normalize).Distinct().ToArray()
            : string.IsNullOrWhiteSpace(text) ? [] : [SiteDomain.Normalize(text)];
        if (domains.Length is 0 or > MaxDomains)
            errors.Add("domain", $"'domain' must name between 1 and {MaxDomains} sites, separated by commas.");
        else if (domains.FirstOrDefault(d => !SiteDomain.IsValid(d)) is { } bad)
            errors.Add("domain", $"'{bad}' is not a valid domain.");
        return domains;
    }

    private static bool IsValidUtf8(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    // A struct: a batch item's parse makes one for each of several fields.
    private readonly struct Errors(Dictionary<string, List<string>> byField)
    {
        private readonly Dictionary<string, List<string>> _byField = byField;
        public bool Any => _byField.Count > 0;
        public void Add(string field, string message)
        {
            if (!_byField.TryGetValue(field, out var list)) _byField[field] = list = [];
            list.Add(message);
        }
        public Dictionary<string, string[]> ToDictionary() => _byField.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }
}
