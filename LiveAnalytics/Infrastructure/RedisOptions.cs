using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Infrastructure;

public sealed class RedisOptions
{
    public const string Section = "Redis";

    [Required(ErrorMessage = "ConnectionStrings:Redis is required (e.g. 127.0.0.1:6379).")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Prefix of every key; lets several installations (or test runs) share one Redis.</summary>
    [Required, RegularExpression("^[A-Za-z0-9:_-]{1,64}$")]
    public string KeyPrefix { get; set; } = "la";

    public string StreamKey => $"{KeyPrefix}:events";

    /// <summary>
    /// Compress the events of each stream entry (Brotli): the stream keeps 30 minutes of every event, about 400 bytes
    /// each as JSON, a sixth of that compressed in the entries of a busy site. Nodes of versions before it cannot
    /// read compressed entries: set it to false while such nodes share the stream (a rolling upgrade).
    /// </summary>
    public bool CompressEntries { get; set; } = true;
}
