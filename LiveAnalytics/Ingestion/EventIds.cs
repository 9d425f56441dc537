using System.Buffers.Binary;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// Ids for events the server names: UUIDv7 (RFC 9562), the millisecond in the first 48 bits so ids
/// follow time and index well, then 74 random bits. The random bits come from a fast generator
/// seeded by the OS: an event id must be unique, not unguessable, and Guid.CreateVersion7 asks the
/// OS for every id (~0.47 µs here, a tenth of the batch API's CPU) where this takes ~0.03 µs.
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
}
