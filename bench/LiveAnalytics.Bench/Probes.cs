using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace LiveAnalytics.Bench;

/// <summary>
/// Probe events: beacons to the measured site at a steady pace, each a new visitor on page
/// /probe/N. Receivers report when they saw probe N; latencies are taken on one clock.
/// </summary>
public sealed class Probes(string url, string domain, string path = "/probe/")
{
    private readonly ConcurrentDictionary<int, long> _sent = new();
    private readonly HttpClient _http = new() { BaseAddress = new Uri(url) };

    public int Count => _sent.Count;

    public static double NowMs() => Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;

    /// <summary>Milliseconds since the Unix epoch, comparable with a browser's performance.timeOrigin + now().</summary>
    public static double EpochMs() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    public async Task RunAsync(TimeSpan duration, TimeSpan every, int firstVisitor = 0, Action<int, double>? sentAtEpoch = null)
    {
        using var timer = new PeriodicTimer(every);
        var until = NowMs() + duration.TotalMilliseconds;
        for (var n = 0; NowMs() < until && await timer.WaitForNextTickAsync(); n++)
        {
            var body = $$"""{"n":"pageview","u":"https://{{domain}}{{path}}{{n}}","d":"{{domain}}"}""";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
            request.Headers.TryAddWithoutValidation("User-Agent", $"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{firstVisitor + n}.0 Safari/537.36");
            _sent[n] = Stopwatch.GetTimestamp();
            sentAtEpoch?.Invoke(n, EpochMs());
            using var response = await _http.SendAsync(request);
            if ((int)response.StatusCode != 202) throw new InvalidOperationException($"A probe was refused: {(int)response.StatusCode}");
        }
    }

    /// <summary>Milliseconds from probe N's POST to now, or null for an unknown probe.</summary>
    public double? LatencyMs(int n) =>
        _sent.TryGetValue(n, out var at) ? (Stopwatch.GetTimestamp() - at) * 1000.0 / Stopwatch.Frequency : null;
}

/// <summary>Reads an SSE response line by line and hands each data line to a callback.</summary>
public static class SseReader
{
    public static async Task<Task> OpenAsync(HttpClient http, string url, Action<string> onData, CancellationToken ct)
    {
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        return Task.Run(async () =>
        {
            using (response)
            using (reader)
            {
                try
                {
                    while (await reader.ReadLineAsync(ct) is { } line)
                        if (line.StartsWith("data: ", StringComparison.Ordinal)) onData(line);
                }
                catch (OperationCanceledException) { }
                catch (IOException) { }
            }
        }, CancellationToken.None);
    }

    /// <summary>The integer after <c>"name":</c> in a JSON line, without parsing the rest.</summary>
    public static int? IntField(string line, string name)
    {
        var at = line.IndexOf($"\"{name}\":", StringComparison.Ordinal);
        if (at < 0) return null;
        var i = at + name.Length + 3;
        var value = 0;
        var digits = 0;
        while (i < line.Length && char.IsAsciiDigit(line[i])) { value = value * 10 + (line[i++] - '0'); digits++; }
        return digits == 0 ? null : value;
    }

    /// <summary>N of the first "/probe/N" in a line.</summary>
    public static int? Probe(string line)
    {
        var at = line.IndexOf("/probe/", StringComparison.Ordinal);
        if (at < 0) return null;
        var i = at + 7;
        var value = 0;
        var digits = 0;
        while (i < line.Length && char.IsAsciiDigit(line[i])) { value = value * 10 + (line[i++] - '0'); digits++; }
        return digits == 0 ? null : value;
    }
}
