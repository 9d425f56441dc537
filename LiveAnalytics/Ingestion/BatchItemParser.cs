using System.Globalization;
using System.Net;
using System.Text.Json;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// One item of a server-side batch: the beacon's fields plus <c>timestamp</c> (ISO 8601 with an offset,
/// or Unix seconds) within the allowed skew, the visitor's <c>ip</c> and <c>user_agent</c>, and an
/// optional <c>id</c> (a UUID) that makes a resent item idempotent. One site per item.
/// </summary>
public static class BatchItemParser
{
    public const int MaxUserAgentLength = 1000;

    public static (EventPayload? Payload, EventOrigin? Origin, IDictionary<string, string[]>? Errors) Parse(
        JsonElement item, DateTimeOffset now, IngestionOptions options)
    {
        if (item.ValueKind != JsonValueKind.Object)
            return (null, null, new Dictionary<string, string[]> { ["item"] = ["Each item must be a JSON object."] });
        try
        {
            return ParseObject(item, now, options);
        }
        catch (InvalidOperationException) when (EventPayloadParser.HasInvalidUnicode(item))
        {
            // Only a bad item pays for the walk that finds the escaped lone surrogate in its own fields.
            return (null, null, new Dictionary<string, string[]> { ["item"] = [EventPayloadParser.InvalidUnicode] });
        }
    }

    private static (EventPayload? Payload, EventOrigin? Origin, IDictionary<string, string[]>? Errors) ParseObject(
        JsonElement item, DateTimeOffset now, IngestionOptions options)
    {
        var errors = new Dictionary<string, List<string>>();
        var read = EventPayloadParser.Read(item, errors);
        // Read answers an undecodable item (a lone surrogate in its fields) as a whole, outside the field errors.
        if (read.Errors is { } whole && whole.TryGetValue("body", out var wholeItem))
            return (null, null, new Dictionary<string, string[]> { ["item"] = wholeItem });
        var payload = read.Payload;
        if (payload is { Domains.Count: > 1 }) Add(errors, "domain", "A batch item names exactly one site.");

        var timestamp = Timestamp(item, errors, now, options);
        var ip = EventPayloadParser.OptionalString(item, errors, "ip", 45);
        if (ip is not null && !IPAddress.TryParse(ip, out _)) Add(errors, "ip", $"'{ip}' is not an IPv4 or IPv6 address.");
        var userAgent = EventPayloadParser.OptionalString(item, errors, "user_agent", MaxUserAgentLength);
        if (errors.Count > 0 || payload is null)
            return (null, null, errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()));
        return (payload, new EventOrigin(ip ?? "", userAgent ?? "", timestamp, payload.Id ?? EventIds.NewVersion7(now), ServerSide: true), null);
    }

    private static DateTimeOffset? Timestamp(JsonElement item, Dictionary<string, List<string>> errors, DateTimeOffset now, IngestionOptions options)
    {
        if (!item.TryGetProperty("timestamp", out var t) || t.ValueKind == JsonValueKind.Null) return null;
        DateTimeOffset? at = t.ValueKind switch
        {
            JsonValueKind.Number when t.TryGetInt64(out var seconds) && seconds is > 0 and < 32_503_680_000 =>
                DateTimeOffset.FromUnixTimeSeconds(seconds),
            JsonValueKind.String when DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
                && HasOffset(t.GetString()!) => parsed,
            _ => null,
        };
        if (at is null)
        {
            Add(errors, "timestamp", "'timestamp' must be ISO 8601 with an offset (2026-11-28T09:30:00Z) or Unix seconds.");
            return null;
        }
        var earliest = now - TimeSpan.FromHours(options.MaxEventAgeHours);
        var latest = now + TimeSpan.FromSeconds(options.MaxClockSkewSeconds);
        if (at < earliest || at > latest)
        {
            Add(errors, "timestamp", $"'timestamp' must lie between {earliest:O} and {latest:O} " +
                $"(at most {options.MaxEventAgeHours} hours old and {options.MaxClockSkewSeconds} seconds ahead).");
            return null;
        }
        return at.Value.ToUniversalTime();
    }

    // A time without an offset would mean a different instant on every server: refuse to guess.
    private static bool HasOffset(string text) => text.EndsWith('Z') || text.EndsWith('z') || text.LastIndexOfAny(['+', '-']) > text.IndexOf('T');

    private static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
        list.Add(message);
    }
}
