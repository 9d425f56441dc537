using System.Collections.Concurrent;
using System.Security.Cryptography;
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
