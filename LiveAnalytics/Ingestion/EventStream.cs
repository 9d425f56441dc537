using System.Text.Json;
using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Appends events to the Redis stream. Concurrent calls share one pipelined connection,
/// so many requests' XADDs travel together without an extra queue of ours.
/// </summary>
public sealed class EventStream(IConnectionMultiplexer redis, IOptions<RedisOptions> options)
{
    public const string Field = "e";
    private readonly RedisKey _key = options.Value.StreamKey;

    /// <exception cref="StreamUnavailableException">Redis did not confirm the append.</exception>
    public async Task AppendAsync(TrackedEvent e)
    {
        try
        {
            await redis.GetDatabase().StreamAddAsync(_key, Field, Encode(e));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StreamUnavailableException(ex);
        }
    }

    public static byte[] Encode(TrackedEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, TrackedEventJson.Default.TrackedEvent);

    /// <summary>
    /// Reads an entry back; anything that is not a whole event throws, so one bad entry can be
    /// skipped instead of failing every batch it is in.
    /// </summary>
    /// <exception cref="InvalidDataException">The entry is not a complete event.</exception>
    public static TrackedEvent Decode(RedisValue value)
    {
        if (value.IsNull) throw new InvalidDataException($"The stream entry has no '{Field}' field.");
        TrackedEvent? e;
        try
        {
            e = JsonSerializer.Deserialize((byte[])value!, TrackedEventJson.Default.TrackedEvent);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The stream entry is not valid JSON.", ex);
        }
        if (e is null || e.Id == Guid.Empty || e.SiteId <= 0 || e.Name is null || e.Hostname is null || e.Pathname is null)
            throw new InvalidDataException("The stream entry is not a complete event.");
        return e;
    }
}

/// <summary>The event could not be made durable; the caller must not acknowledge it.</summary>
public sealed class StreamUnavailableException(Exception inner)
    : Exception("The event stream is unavailable.", inner);
