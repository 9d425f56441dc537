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

    /// <summary>
    /// Sends a probe every <paramref name="every"/> without waiting for the previous answer, so the
    /// pace holds while the server is busy; every probe must be accepted.
    /// </summary>
    public async Task RunAsync(TimeSpan duration, TimeSpan every, int firstVisitor = 0, Action<int, double>? sentAtEpoch = null)
    {
        using var timer = new PeriodicTimer(every);
        var until = NowMs() + duration.TotalMilliseconds;
        var sends = new List<Task>();
        for (var n = 0; NowMs() < until && await timer.WaitForNextTickAsync(); n++)
        {
            var body = $$"""{"n":"pageview","u":"https://{{domain}}{{path}}{{n}}","d":"{{domain}}"}""";
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
            request.Headers.TryAddWithoutValidation("User-Agent", $"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.{firstVisitor + n}.0 Safari/537.36");
            _sent[n] = Stopwatch.GetTimestamp();
            sentAtEpoch?.Invoke(n, EpochMs());
            sends.Add(SendAsync(request));
        }
        await Task.WhenAll(sends);
    }

    private async Task SendAsync(HttpRequestMessage request)
    {
        using (request)
        using (var response = await _http.SendAsync(request))
            if ((int)response.StatusCode != 202) throw new InvalidOperationException($"A probe was refused: {(int)response.StatusCode}");
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

    /// <summary>
    /// For many viewers at once: reads raw bytes (no lines, no strings) and reports each integer that
    /// follows <c>"name":</c>, so the client's share of the two cores stays small.
    /// </summary>
    public static async Task<Task> OpenCountAsync(HttpClient http, string url, string name, Action<int> onCount, CancellationToken ct)
    {
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStreamAsync(ct);
        var pattern = Encoding.ASCII.GetBytes($"\"{name}\":");
        return Task.Run(async () =>
        {
            using (response)
            using (body)
            {
                var buffer = new byte[1024];
                var kept = 0;
                try
                {
                    int read;
                    while ((read = await body.ReadAsync(buffer.AsMemory(kept), ct)) > 0)
                    {
                        var data = buffer.AsSpan(0, kept + read);
                        var consumed = 0;
                        int at;
                        while ((at = data[consumed..].IndexOf(pattern)) >= 0)
                        {
                            var i = consumed + at + pattern.Length;
                            var value = 0;
                            var start = i;
                            while (i < data.Length && data[i] is >= (byte)'0' and <= (byte)'9') value = value * 10 + (data[i++] - '0');
                            if (i == data.Length) { consumed += at; break; }   // the number may go on in the next read
                            if (i > start) onCount(value);
                            consumed = i;
                        }
                        // Keep a tail that may hold the start of the next pattern.
                        var tailFrom = Math.Max(consumed, data.Length - pattern.Length - 12);
                        data[tailFrom..].CopyTo(buffer);
                        kept = data.Length - tailFrom;
                    }
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
