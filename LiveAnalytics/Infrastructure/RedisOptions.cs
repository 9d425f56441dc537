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
}
