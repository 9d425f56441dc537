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

    /// <summary>Events waiting to be persisted past which new ones get 503 instead of 202.</summary>
    [Range(1_000, 1_000_000_000)]
    public long MaxBacklog { get; set; } = 2_000_000;

    /// <summary>Beacons one client IP may send per second (bursts of twice that pass).</summary>
    [Range(1, 1_000_000)]
    public int PerIpPerSecond { get; set; } = 50;

    /// <summary>Events one site may receive per second, all clients together.</summary>
    [Range(1, 10_000_000)]
    public int PerSitePerSecond { get; set; } = 20_000;

    /// <summary>Most events in one POST /api/v1/events.</summary>
    [Range(1, 10_000)]
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>Largest batch body, in bytes.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Oldest explicit timestamp a batch item may carry, in hours before now.</summary>
    [Range(1, 24 * 365)]
    public int MaxEventAgeHours { get; set; } = 72;

    /// <summary>How far ahead of the server's clock an explicit timestamp may be.</summary>
    [Range(0, 3600)]
    public int MaxClockSkewSeconds { get; set; } = 300;

    /// <summary>Seconds a client is told to wait when the stream cannot take events.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;
}
