using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Persistence;

public sealed class PersistenceOptions
{
    public const string Section = "Persistence";

    [Required(ErrorMessage = "ConnectionStrings:Postgres is required (e.g. Host=127.0.0.1;Port=5432;Database=liveanalytics;Username=postgres).")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Runs the Hangfire server (flush and maintenance jobs) on this node.</summary>
    public bool RunJobs { get; set; } = true;

    /// <summary>Serves the read-only jobs dashboard at /jobs to the operator's networks (<see cref="JobsDashboard"/>).</summary>
    public bool JobsDashboard { get; set; } = true;

    /// <summary>
    /// This node stores the beacons it appends straight from memory (<see cref="OwnEntries"/>), each node its
    /// own, instead of the flush job reading them back from Redis. Independent of <see cref="RunJobs"/>.
    /// </summary>
    public bool PersistOwnEvents { get; set; } = true;

    /// <summary>Hangfire's schema; tests give each app instance its own.</summary>
    [Required]
    public string HangfireSchema { get; set; } = "hangfire";

    /// <summary>Most stream entries one COPY writes. Small batches keep each flush a short burst beside the request path (p99).</summary>
    [Range(1, 100_000)]
    public int FlushBatchSize { get; set; } = 1_000;

    /// <summary>
    /// How long an entry another consumer read must stay unacknowledged before this node takes it
    /// over (its reader is presumed dead). Longer than any flush takes.
    /// </summary>
    [Range(1, 3600)]
    public int ClaimIdleSeconds { get; set; } = 60;

    /// <summary>How often the recurring flush runs; it drains the whole backlog each time.</summary>
    [Range(1, 59)]
    public int FlushEverySeconds { get; set; } = 2;

    /// <summary>
    /// How often the rollup job adds what was stored since its last run: as often as the flush, so that
    /// "today" on the dashboard is never more than a flush and a rollup behind.
    /// </summary>
    [Range(1, 59)]
    public int RollupEverySeconds { get; set; } = 2;

    /// <summary>
    /// A site with at least this many stored events waiting for the rollup is busy: its batches gather until
    /// the oldest has waited <see cref="RollupBusyWaitSeconds"/>. The rollup's cost is mostly per visit it
    /// touches, and a busy store's visits each send an event every few seconds, so one run over ten seconds
    /// costs a fraction of five over two. Sites below it are rolled up at every run.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int RollupBusyEvents { get; set; } = 5_000;

    /// <summary>How long a busy site's stored events may wait for the rollup (see <see cref="RollupBusyEvents"/>).</summary>
    [Range(0, 300)]
    public int RollupBusyWaitSeconds { get; set; } = 10;
}
