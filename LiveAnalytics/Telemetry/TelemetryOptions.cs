using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Telemetry;

/// <summary><c>Metrics:</c> the Prometheus endpoint an operator scrapes.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Metrics";

    /// <summary>Off: no endpoint, and nothing listens to the instruments, so they cost nothing.</summary>
    public bool Enabled { get; set; } = true;

    [RegularExpression("^/[A-Za-z0-9/_-]*$", ErrorMessage = "Metrics:Path must be a path such as /metrics.")]
    public string Path { get; set; } = "/metrics";
}
