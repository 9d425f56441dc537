using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Blake3;
using Dapper;
using Npgsql;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// The secret salt of each UTC day, shared by all nodes through Postgres and cached here,
/// so the beacon path touches the database once a day per node. Salts older than yesterday
/// are deleted: without them nobody can link a visitor id to another day's.
/// </summary>
public sealed class VisitorSalts(NpgsqlDataSource db, TimeProvider time)
{
    private readonly ConcurrentDictionary<DateOnly, byte[]> _cache = new();
    private readonly ConcurrentDictionary<(DateOnly Arrival, DateOnly Day), byte[]> _derived = new();

    /// <summary>
    /// The salt an event's visitor id is computed with, and the earlier ones a visit going on across a
    /// midnight began under. A live event takes the day's salt (and just after midnight tries yesterday's).
    /// An imported event, stamped further back than a visit lasts (<paramref name="importedAt"/>), of an
    /// earlier day takes a salt derived from the day's and its own day: a visitor's history then has an id
    /// a day, as live traffic has, and no id links their days; a derived salt goes when the one it comes
    /// from is deleted. Near its own midnight an imported event also tries its day before's id (a visit
    /// across that midnight), and near the arrival's the ids under yesterday's salt (an import running
    /// across it), so neither splits a visit.
    /// </summary>
    public async ValueTask<EventSalts> ForEventAsync(DateTimeOffset now, DateTimeOffset? importedAt, TimeSpan visitTimeout, CancellationToken ct = default)
    {
        var arrival = DateOnly.FromDateTime(now.UtcDateTime);
        var day = importedAt is { } at ? DateOnly.FromDateTime(at.UtcDateTime) : arrival;
        var salt = await ForEventDayAsync(day, arrival, ct);
        var nearArrivalMidnight = now.UtcDateTime.TimeOfDay < visitTimeout;
        var nearOwnMidnight = importedAt is { } t && t.UtcDateTime.TimeOfDay < visitTimeout;
        if (!nearArrivalMidnight && !nearOwnMidnight) return new(salt, []);
        var earlier = new List<byte[]>(3);
        if (nearArrivalMidnight) earlier.Add(await ForEventDayAsync(day, arrival.AddDays(-1), ct));
        if (nearOwnMidnight) earlier.Add(await ForEventDayAsync(day.AddDays(-1), arrival, ct));
        if (nearArrivalMidnight && nearOwnMidnight) earlier.Add(await ForEventDayAsync(day.AddDays(-1), arrival.AddDays(-1), ct));
        return new(salt, earlier.ToArray());
    }

    // The salt of an event of `day` that arrived on `arrival` (a later day only for imported history).
    private async ValueTask<byte[]> ForEventDayAsync(DateOnly day, DateOnly arrival, CancellationToken ct)
    {
        var salt = await ForDayAsync(arrival, ct);
        if (day >= arrival) return salt;
        // Kept, not derived again: the visitor id's hasher is keyed once per salt instance (VisitorId).
        return _derived.GetOrAdd((arrival, day), static (key, salt) => Derive(salt, key.Day), salt);
    }

    private static byte[] Derive(byte[] salt, DateOnly day)
    {
        using var hasher = Hasher.NewKeyed(salt);
        hasher.Update(Encoding.ASCII.GetBytes($"history of {day:yyyy-MM-dd}"));
        var derived = new byte[VisitorId.SaltLength];
        hasher.Finalize(derived);
        return derived;
    }

    public async ValueTask<byte[]> ForTodayAsync(CancellationToken ct = default) =>
        await ForDayAsync(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), ct);

    public async ValueTask<byte[]> ForDayAsync(DateOnly day, CancellationToken ct = default)
    {
        if (_cache.TryGetValue(day, out var salt)) return salt;
        await using var conn = await db.OpenConnectionAsync(ct);
        // Insert-then-read makes concurrent nodes agree on one salt for the day.
        salt = await conn.QuerySingleAsync<byte[]>("""
            INSERT INTO visitor_salts (day, salt) VALUES (@day, @fresh) ON CONFLICT (day) DO NOTHING;
            SELECT salt FROM visitor_salts WHERE day = @day;
            """, new { day, fresh = RandomNumberGenerator.GetBytes(32) });
        foreach (var old in _cache.Keys.Where(d => d < day.AddDays(-1))) _cache.TryRemove(old, out _);
        foreach (var old in _derived.Keys.Where(k => k.Arrival < day.AddDays(-1))) _derived.TryRemove(old, out _);
        return _cache[day] = salt;
    }

    /// <summary>Creates tomorrow's salt ahead of midnight and deletes the ones no longer needed.</summary>
    public async Task RotateAsync()
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        await ForDayAsync(today.AddDays(1));
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("DELETE FROM visitor_salts WHERE day < @keep", new { keep = today.AddDays(-1) });
    }
}

/// <summary>The salt of an event's visitor id, and the earlier salts its visit may have begun under (most often none).</summary>
public readonly record struct EventSalts(byte[] Salt, byte[][] Earlier);
