using System.Buffers.Binary;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Ids for events the server names: UUIDv7 (RFC 9562), the millisecond in the first 48 bits so ids
/// follow time and index well, then 74 random bits. The random bits come from a fast generator
/// seeded by the OS: an event id must be unique, not unguessable, and Guid.CreateVersion7 asks the
/// OS for every id (~0.47 µs here, a tenth of the batch API's CPU) where this takes ~0.03 µs.
/// A client may name its events itself (the tracker does, the batch API lets it): <see cref="ForSite"/>.
/// </summary>
public static class EventIds
{
    public static Guid NewVersion7(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[6..]);
        Span<byte> millis = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(millis, at.ToUnixTimeMilliseconds());
        millis[2..].CopyTo(bytes);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));   // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));   // variant 10xx
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// The stored id of a client-named event. A resend of the event names it again, so it maps to the same row, which the
    /// write path then skips as already stored: the tracker's retry queue, or a resent batch, counts nothing twice. Ids are
    /// the client's to choose, so they are scoped by site: two merchants' webhooks that both derive ids from "order 1001",
    /// or one beacon sent to two sites, never meet. The first 8 bytes (a UUIDv7's millisecond) stay, so ids still follow
    /// time in the index; the last 8 go through a bijection keyed by the site, so distinct ids of a site stay distinct.
    /// </summary>
    public static Guid ForSite(Guid clientId, long siteId)
    {
        Span<byte> bytes = stackalloc byte[16];
        clientId.TryWriteBytes(bytes, bigEndian: true, out _);
        var low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        low = Mix(low ^ Mix((ulong)siteId));
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], low);
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));   // variant 10xx, as any UUID of ours
        return new Guid(bytes, bigEndian: true);
    }

    // SplitMix64's finalizer: a bijection on 64 bits that spreads every input bit over the output.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
