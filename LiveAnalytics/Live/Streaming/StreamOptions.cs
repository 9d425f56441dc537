using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Live.Streaming;

public sealed class StreamOptions
{
    public const string Section = "Streaming";

    /// <summary>A comment line this often keeps proxies from closing an idle stream and tells clients the server is alive.</summary>
    [Range(1, 300)] public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>Events a slow client may fall behind by before the server closes its stream; it resumes with Last-Event-ID.</summary>
    [Range(100, 1_000_000)] public int ClientQueue { get; set; } = 10_000;

    /// <summary>Widget viewers get at most this many updates a second, however busy the site.</summary>
    [Range(1, 20)] public int WidgetUpdatesPerSecond { get; set; } = 10;

    /// <summary>
    /// The frames a second one site's widget viewers may cost the server in all: a site with many
    /// viewers gets fewer updates a second (20,000 frames: 10 a second up to 2,000 viewers, 2 a second
    /// at 10,000), so one process serves 10,000 viewers within a second (bench/live.sh).
    /// </summary>
    [Range(1_000, 10_000_000)] public int WidgetFramesPerSecond { get; set; } = 20_000;
}
