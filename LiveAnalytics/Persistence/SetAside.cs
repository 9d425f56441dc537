using System.Text.Json;
using LiveAnalytics.Ingestion;
using Npgsql;
using NpgsqlTypes;

namespace LiveAnalytics.Persistence;

/// <summary>
/// Where what cannot be stored as an event is kept instead of being retried for ever or dropped: events
/// PostgreSQL refuses (<c>rejected_events</c>) and stream entries nobody can read (<c>unreadable_entries</c>).
/// An operator reads them when the log says so. Each is kept once, however often it comes again.
/// </summary>
internal static class SetAside
{
    public static async Task RejectedEventAsync(NpgsqlDataSource db, TrackedEvent e, string error, CancellationToken ct)
    {
        // The default encoder escapes everything but printable ASCII: the JSON is storable whatever the event held.
        var json = JsonSerializer.Serialize(e, TrackedEventJson.Default.TrackedEvent);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO rejected_events (id, site_id, ts, error, event) VALUES (@id, @site, @ts, @error, @event)
            ON CONFLICT (id) DO NOTHING
            """, conn);
        insert.Parameters.AddWithValue("id", e.Id);
        insert.Parameters.AddWithValue("site", e.SiteId);
        insert.Parameters.AddWithValue("ts", e.Timestamp.UtcDateTime);
        insert.Parameters.AddWithValue("error", error);
        insert.Parameters.AddWithValue("event", json);
        await insert.ExecuteNonQueryAsync(ct);
    }

    /// <returns>How many were new (an entry read again is kept once).</returns>
    public static async Task<int> UnreadableEntriesAsync(NpgsqlDataSource db, IReadOnlyList<UnreadableEntry> entries, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO unreadable_entries (stream_id, error, payload, sessions, node)
            SELECT * FROM unnest(@ids, @errors, @payloads, @sessions, @nodes)
            ON CONFLICT (stream_id) DO NOTHING
            """, conn);
        insert.Parameters.AddWithValue("ids", entries.Select(e => e.StreamId).ToArray());
        insert.Parameters.AddWithValue("errors", entries.Select(e => e.Error).ToArray());
        insert.Parameters.AddWithValue("payloads", NpgsqlDbType.Array | NpgsqlDbType.Bytea, entries.Select(e => e.Payload).ToArray());
        insert.Parameters.AddWithValue("sessions", NpgsqlDbType.Array | NpgsqlDbType.Text, entries.Select(e => e.Sessions).ToArray());
        insert.Parameters.AddWithValue("nodes", NpgsqlDbType.Array | NpgsqlDbType.Text, entries.Select(e => e.Node).ToArray());
        return await insert.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A stream entry as it was read, for <c>unreadable_entries</c>.</summary>
public sealed record UnreadableEntry(string StreamId, string Error, byte[]? Payload, string? Sessions, string? Node)
{
    public static UnreadableEntry Of(string streamId, in StreamEntries.Fields fields, string error) => new(
        streamId, error,
        fields.Batch.IsNull ? (byte[]?)fields.Single : (byte[]?)fields.Batch,
        !fields.Sessions.IsNull ? (string?)fields.Sessions : fields.Visitor.IsNull ? null : $"{fields.Visitor} {fields.Session}",
        (string?)fields.Node);
}
