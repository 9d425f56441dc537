using System.Net.Http.Headers;
using System.Text;

namespace LiveAnalytics.Bench;

/// <summary>
/// A steady background of events for one site through the batch API: 100-event batches every
/// 20 ms for 5,000 events/s. Batches keep the load generator itself cheap on a 2-core machine.
/// </summary>
public sealed class BackgroundLoad(string url, string apiKey, string domain, int eventsPerSecond) : IAsyncDisposable
{
    private const int BatchSize = 100;
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;
    private long _accepted, _failed;

    private readonly System.Diagnostics.Stopwatch _clock = new();

    public long Accepted => Interlocked.Read(ref _accepted);
    /// <summary>Events accepted per second since the start.</summary>
    public double Rate => Accepted / _clock.Elapsed.TotalSeconds;
    public long Failed => Interlocked.Read(ref _failed);

    public void Start()
    {
        _clock.Start();
        _run = RunAsync(_stop.Token);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var every = TimeSpan.FromSeconds(BatchSize / (double)eventsPerSecond);
        using var timer = new PeriodicTimer(every);
        using var inFlight = new SemaphoreSlim(16);
        var n = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (!await inFlight.WaitAsync(0, ct)) { Interlocked.Add(ref _failed, BatchSize); continue; }   // the server fell behind
                var body = Batch(n);
                n += BatchSize;
                _ = SendAsync(http, body, inFlight);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task SendAsync(HttpClient http, string body, SemaphoreSlim inFlight)
    {
        try
        {
            using var response = await http.PostAsync("/api/v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
            if (response.IsSuccessStatusCode) Interlocked.Add(ref _accepted, BatchSize);
            else Interlocked.Add(ref _failed, BatchSize);
        }
        catch (HttpRequestException) { Interlocked.Add(ref _failed, BatchSize); }
        finally { inFlight.Release(); }
    }

    private string Batch(long first)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < BatchSize; i++)
        {
            var k = first + i;
            if (i > 0) sb.Append(',');
            // 2,000 visitors on 50 pages: a busy store.
            sb.Append($$"""{"name":"pageview","url":"https://{{domain}}/products/{{k % 50}}","domain":"{{domain}}","ip":"10.1.{{k % 2000 / 250}}.{{k % 250}}","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}""");
        }
        return sb.Append(']').ToString();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_run is not null) await _run;
        _stop.Dispose();
    }
}
