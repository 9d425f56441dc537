using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// A privacy-preserving visitor id: HMAC-SHA256 keyed by the day's secret salt over the site,
/// the client IP and the User-Agent, cut to 64 bits. Neither input is kept; once the salt is
/// deleted the id cannot be traced back or linked to another day.
/// </summary>
public static class VisitorId
{
    public static long Compute(ReadOnlySpan<byte> salt, long siteId, string clientIp, string userAgent)
    {
        var input = new byte[8 + Encoding.UTF8.GetMaxByteCount(clientIp.Length + userAgent.Length + 1)];
        BinaryPrimitives.WriteInt64BigEndian(input, siteId);
        var length = 8 + Encoding.UTF8.GetBytes($"{clientIp}\n{userAgent}", input.AsSpan(8));
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(salt, input.AsSpan(0, length), hash);
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }
}
