using System.Globalization;
using System.Text.Json;

namespace LiveAnalytics.Ingestion;

/// <summary>The structured fields of a payload: props and revenue, each also accepted JSON-encoded as Plausible's script sends them.</summary>
public static partial class EventPayloadParser
{
    private static string? Props(JsonElement root, Errors errors)
    {
        if (Field(root, "props", "p", "m") is not { } v) return null;
        if (v.ValueKind == JsonValueKind.String)
        {
            // Plausible's script sends props as a JSON-encoded string.
            try
            {
                using var inner = JsonDocument.Parse(v.GetString()!, DocumentOptions);
                return PropsObject(inner.RootElement, errors);
            }
            catch (JsonException)
            {
                errors.Add("props", "'props' must be an object or a JSON-encoded object.");
                return null;
            }
        }
        return PropsObject(v, errors);
    }

    private static string? PropsObject(JsonElement v, Errors errors)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            errors.Add("props", "'props' must be an object.");
            return null;
        }
        var props = new Dictionary<string, string>();
        foreach (var p in v.EnumerateObject())
        {
            if (props.Count == MaxProps) { errors.Add("props", $"'props' may have at most {MaxProps} keys."); return null; }
            if (p.Name.Length is 0 or > MaxPropKeyLength || p.Name.AsSpan().ContainsAny(ControlChars))
            { errors.Add("props", $"Property names must be 1 to {MaxPropKeyLength} characters without control characters."); return null; }
            string? value = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                _ => null,
            };
            if (value is null) { errors.Add("props", $"Property '{p.Name}' must be a string, number or boolean."); return null; }
            if (value.Length > MaxPropValueLength || value.AsSpan().ContainsAny(ControlChars))
            { errors.Add("props", $"Property '{p.Name}' must be at most {MaxPropValueLength} characters without control characters."); return null; }
            props[p.Name] = value;
        }
        return props.Count == 0 ? null : JsonSerializer.Serialize(props, PropsJson.Default.DictionaryStringString);
    }

    private static (decimal?, string?) Revenue(JsonElement root, Errors errors)
    {
        if (Field(root, "revenue", "$") is not { } v) return (null, null);
        if (v.ValueKind == JsonValueKind.String)
        {
            try
            {
                using var inner = JsonDocument.Parse(v.GetString()!, DocumentOptions);
                return RevenueObject(inner.RootElement.Clone(), errors);
            }
            catch (JsonException)
            {
                errors.Add("revenue", "'revenue' must be an object {\"amount\", \"currency\"}.");
                return (null, null);
            }
        }
        return RevenueObject(v, errors);
    }

    private static (decimal?, string?) RevenueObject(JsonElement v, Errors errors)
    {
        const string rule = "'revenue' must be {\"amount\": a number up to 1e12, \"currency\": a 3-letter ISO code}.";
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("currency", out var c) || c.ValueKind != JsonValueKind.String
            || c.GetString() is not { Length: 3 } currency || !currency.All(char.IsAsciiLetter)
            || !v.TryGetProperty("amount", out var a) || !TryAmount(a, out var amount))
        {
            errors.Add("revenue", rule);
            return (null, null);
        }
        return (amount, currency.ToUpperInvariant());
    }

    private static bool TryAmount(JsonElement a, out decimal amount)
    {
        amount = 0;
        var ok = a.ValueKind switch
        {
            JsonValueKind.Number => a.TryGetDecimal(out amount),
            JsonValueKind.String => decimal.TryParse(a.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out amount),
            _ => false,
        };
        return ok && Math.Abs(amount) <= 1_000_000_000_000m;
    }
}

public sealed record ParseResult(EventPayload? Payload, IDictionary<string, string[]>? Errors)
{
    public static ParseResult Ok(EventPayload payload) => new(payload, null);
    public static ParseResult Fail(IDictionary<string, string[]> errors) => new(null, errors);
    public static ParseResult Fail(string field, string message) => new(null, new Dictionary<string, string[]> { [field] = [message] });
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class PropsJson : System.Text.Json.Serialization.JsonSerializerContext;
