using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Ingestion;

public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Largest beacon body accepted, in bytes.</summary>
    [Range(256, 1_048_576)]
    public int MaxBodyBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Proxies (IP addresses or CIDR ranges) whose X-Forwarded-For is believed. Empty: the
    /// connection's address is the client's, and the header is ignored.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Seconds a client is told to wait when the stream cannot take events.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;
}
