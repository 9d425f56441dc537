using System.Globalization;
using System.Text.Json;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Ingestion.Enrichment;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Ingestion;

/// <summary>An event ready for the stream; its session (and, after midnight, its visitor) is settled in Redis.</summary>
/// <param name="Event">Carries today's visitor id and no session yet.</param>
/// <param name="YesterdaysVisitorId">The visitor's id under yesterday's salt, in the minutes after midnight.</param>
public sealed record PendingEvent(TrackedEvent Event, long? YesterdaysVisitorId);

/// <summary>
/// Appends events to the Redis stream. One Lua script per call settles each event's session (a
/// visitor's events less than the timeout apart share one; just after midnight the visitor's id under
/// yesterday's salt is tried first, so a visit across midnight stays one visitor) and XADDs it, so a
/// beacon costs one round trip and a batch of 1,000 costs one too. The script stamps the visitor and
/// session onto the entry as fields v and s next to the event's JSON in e, and the ingesting node as n.
/// </summary>
public sealed class EventStream(
    IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<EnrichmentOptions> enrichment, NodeIdentity node)
{
    public const string Field = "e";

    // The session rule, shared by both scripts: with site, visitor, yesterday ('' or yesterday's visitor id)
    // and a fresh session id in scope, leaves visitor and session settled.
    private const string SettleSession = """
          local found = false
          if yesterday ~= '' then
            local key = prefix .. site .. ':' .. yesterday
            local s = redis.call('GET', key)
            if s then redis.call('PEXPIRE', key, ttl); visitor = yesterday; session = s; found = true end
          end
          if not found then
            local key = prefix .. site .. ':' .. visitor
            local s = redis.call('GET', key)
            if s then redis.call('PEXPIRE', key, ttl); session = s
            else redis.call('SET', key, session, 'PX', ttl) end
          end

        """;

    // KEYS[1] the stream. ARGV: timeout ms, session key prefix, node, then per event: json, site, visitor, yesterday's visitor or '', new session id.
    // Session keys are built here, not passed in KEYS: this needs a standalone Redis (not Redis Cluster).
    private const string Script = """
        local ttl, prefix, node = ARGV[1], ARGV[2], ARGV[3]
        for i = 4, #ARGV, 5 do
          local site, visitor, yesterday, session = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]

        """ + SettleSession + """
          redis.call('XADD', KEYS[1], '*', 'e', ARGV[i], 'v', visitor, 's', session, 'n', node)
        end
        return (#ARGV - 3) / 5
        """;

    // The session rule without the XADD: ARGV timeout ms, prefix, then per event site, visitor,
    // yesterday's visitor or '', new session id. Returns visitor, session per event.
    private const string SettleScript = """
        local ttl, prefix, out = ARGV[1], ARGV[2], {}
        for i = 3, #ARGV, 4 do
          local site, visitor, yesterday, session = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]

        """ + SettleSession + """
          out[#out + 1] = visitor
          out[#out + 1] = session
        end
        return out
        """;

    // KEYS[1] the stream. ARGV: node, stored ('1': already in Postgres, the persist group skips it), then each event's JSON.
    private const string AppendSettledScript = """
        local node, stored = ARGV[1], ARGV[2]
        for i = 3, #ARGV do
          if stored == '1' then redis.call('XADD', KEYS[1], '*', 'e', ARGV[i], 'n', node, 'p', '1')
          else redis.call('XADD', KEYS[1], '*', 'e', ARGV[i], 'n', node) end
        end
        return #ARGV - 2
        """;

    /// <summary>The field that marks an entry whose event is already in Postgres: it is on the stream for live views only.</summary>
    public const string StoredField = "p";

    private readonly RedisKey _key = redisOptions.Value.StreamKey;
    private readonly string _sessionPrefix = $"{redisOptions.Value.KeyPrefix}:session:";

    public TimeSpan SessionTimeout => TimeSpan.FromMinutes(enrichment.Value.SessionTimeoutMinutes);

    /// <exception cref="StreamUnavailableException">Redis did not confirm the append: none of the events may be acknowledged.</exception>
    public async Task AppendAsync(IReadOnlyList<PendingEvent> events)
    {
        if (events.Count == 0) return;
        var args = new RedisValue[3 + events.Count * 5];
        args[0] = (long)SessionTimeout.TotalMilliseconds;
        args[1] = _sessionPrefix;
        args[2] = node.Id;
        for (var i = 0; i < events.Count; i++)
        {
            var (e, yesterday) = events[i];
            var at = 3 + i * 5;
            args[at] = Encode(e);
            args[at + 1] = e.SiteId;
            args[at + 2] = e.VisitorId;
            args[at + 3] = yesterday is { } y ? y : "";
            args[at + 4] = Random.Shared.NextInt64(1, long.MaxValue);
        }
        await EvaluateAsync(Script, [_key], args);
    }

    /// <summary>
    /// Settles each event's session (and, after midnight, its visitor) as <see cref="AppendAsync"/> does,
    /// without appending: for callers that store the events in Postgres themselves.
    /// </summary>
    /// <exception cref="StreamUnavailableException">Redis did not answer.</exception>
    public async Task<TrackedEvent[]> SettleAsync(IReadOnlyList<PendingEvent> events)
    {
        if (events.Count == 0) return [];
        var args = new RedisValue[2 + events.Count * 4];
        args[0] = (long)SessionTimeout.TotalMilliseconds;
        args[1] = _sessionPrefix;
        for (var i = 0; i < events.Count; i++)
        {
            var (e, yesterday) = events[i];
            var at = 2 + i * 4;
            args[at] = e.SiteId;
            args[at + 1] = e.VisitorId;
            args[at + 2] = yesterday is { } y ? y : "";
            args[at + 3] = Random.Shared.NextInt64(1, long.MaxValue);
        }
        var reply = await EvaluateAsync(SettleScript, [], args);
        var settled = new TrackedEvent[events.Count];
        for (var i = 0; i < settled.Length; i++)
            settled[i] = events[i].Event with { VisitorId = (long)reply[2 * i], SessionId = (long)reply[2 * i + 1] };
        return settled;
    }

    /// <summary>Appends events whose sessions are settled (their JSON carries visitor and session).</summary>
    /// <param name="stored">They are in Postgres already: the entries feed live views and are not persisted again.</param>
    /// <exception cref="StreamUnavailableException">Redis did not confirm the append.</exception>
    public async Task AppendSettledAsync(IReadOnlyList<TrackedEvent> events, bool stored)
    {
        if (events.Count == 0) return;
        var args = new RedisValue[2 + events.Count];
        args[0] = node.Id;
        args[1] = stored ? "1" : "0";
        for (var i = 0; i < events.Count; i++) args[2 + i] = Encode(events[i]);
        await EvaluateAsync(AppendSettledScript, [_key], args);
    }

    /// <exception cref="StreamUnavailableException">Redis did not answer: nothing may be acknowledged.</exception>
    private async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await redis.GetDatabase().ScriptEvaluateAsync(script, keys, args);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StreamUnavailableException(ex);
        }
    }

    public static byte[] Encode(TrackedEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, TrackedEventJson.Default.TrackedEvent);

    public static TrackedEvent Decode(StreamEntry entry) => Decode(entry[Field], entry["v"], entry["s"]);

    /// <summary>
    /// Reads an entry back; anything that is not a whole event throws, so one bad entry can be
    /// skipped instead of failing every batch it is in.
    /// </summary>
    /// <exception cref="InvalidDataException">The entry is not a complete event.</exception>
    public static TrackedEvent Decode(RedisValue json, RedisValue visitor = default, RedisValue session = default)
    {
        if (json.IsNull) throw new InvalidDataException($"The stream entry has no '{Field}' field.");
        TrackedEvent? e;
        try
        {
            e = JsonSerializer.Deserialize((byte[])json!, TrackedEventJson.Default.TrackedEvent);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The stream entry is not valid JSON.", ex);
        }
        if (e is null || e.Id == Guid.Empty || e.SiteId <= 0 || e.Name is null || e.Hostname is null || e.Pathname is null)
            throw new InvalidDataException("The stream entry is not a complete event.");
        if (visitor.IsNull || session.IsNull) return e;
        if (!long.TryParse(visitor.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            || !long.TryParse(session.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s))
            throw new InvalidDataException("The stream entry's visitor or session is not a number.");
        return e with { VisitorId = v, SessionId = s };
    }
}

/// <summary>The event could not be made durable; the caller must not acknowledge it.</summary>
public sealed class StreamUnavailableException(Exception inner)
    : Exception("The event stream is unavailable.", inner);
