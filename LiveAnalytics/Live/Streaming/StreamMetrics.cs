using System.Diagnostics.Metrics;
using LiveAnalytics.Telemetry;

namespace LiveAnalytics.Live.Streaming;

/// <summary>The API's event streams this node serves.</summary>
public sealed class StreamMetrics
{
    private readonly UpDownCounter<long> _clients;

    public StreamMetrics(IMeterFactory meters) =>
        _clients = AppMeter.Create(meters).CreateUpDownCounter<long>("liveanalytics.stream.clients", "{connection}",
            "Clients of GET /api/v1/stream connected to this node.");

    /// <summary>Counts a client until the returned lease is disposed.</summary>
    public IDisposable Connected()
    {
        _clients.Add(1);
        return new Lease(_clients);
    }

    private sealed class Lease(UpDownCounter<long> clients) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) clients.Add(-1);
        }
    }
}
