using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Health;

/// <summary><c>Health:</c> thresholds of <c>/health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>
    /// The <c>rollups</c> check is degraded once the oldest stored batch has waited this long: the job runs every
    /// few seconds and a busy site's batches wait 10 s, so minutes mean it is stopped or failing.
    /// </summary>
    [Range(1, 86_400)]
    public int MaxRollupLagSeconds { get; set; } = 300;
}
