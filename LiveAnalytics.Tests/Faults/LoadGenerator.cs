using System.Collections.Concurrent;
using System.Net;
using LiveAnalytics.Ingestion;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Faults;

/// <summary>
/// Sends beacons, each marked with a unique number in its props, from a few concurrent senders until
/// stopped, and remembers which numbers were acknowledged (202 and not dropped).
/// </summary>
public sealed class LoadGenerator(Func<HttpClient> client, string domain, int senders = 4)
{
    private int _next;
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public ConcurrentBag<int> Acknowledged { get; } = [];
    public int Refused;

    public void Start() => _running = Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(SendAsync)));

    public async Task StopAsync()
    {
        _stop.Cancel();
        await _running!;
    }

    private async Task SendAsync()
    {
        using var http = client();
        while (!_stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _next);
            using var beacon = TestData.Beacon(
                $$$"""{"n":"pageview","u":"https://{{{domain}}}/p/{{{n % 50}}}","d":"{{{domain}}}","p":{"n":"{{{n}}}"}}""", TestData.Browser(n % 20));
            try
            {
                using var response = await http.SendAsync(beacon);
                if (response.StatusCode == HttpStatusCode.Accepted && !response.Headers.Contains(EventEndpoint.DroppedHeader))
                    Acknowledged.Add(n);
                else
                    Interlocked.Increment(ref Refused);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref Refused);   // no answer is no acknowledgement
                await Task.Delay(20);
            }
            await Task.Delay(5);
        }
    }
}
