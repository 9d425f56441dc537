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
        var json = JsonSerializer.SerializeToUtf8Bytes(e, TrackedEventJson.Default.TrackedEvent);
        try
        {
            await redis.GetDatabase().StreamAddAsync(_key, Field, json);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StreamUnavailableException(ex);
        }
    }

    public static TrackedEvent Decode(RedisValue value) =>
        JsonSerializer.Deserialize((byte[])value!, TrackedEventJson.Default.TrackedEvent)
        ?? throw new InvalidDataException("Empty stream entry.");
}

/// <summary>The event could not be made durable; the caller must not acknowledge it.</summary>
public sealed class StreamUnavailableException(Exception inner)
    : Exception("The event stream is unavailable.", inner);
