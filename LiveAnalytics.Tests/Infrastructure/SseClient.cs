using System.Text;
using System.Text.Json;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>One Server-Sent Events frame as a client sees it.</summary>
public sealed record SseFrame(string? Id, string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

/// <summary>Reads an SSE response frame by frame, as EventSource would; comments (heartbeats) are frames of type ":".</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body, Encoding.UTF8);
    }

    public static async Task<SseClient> OpenAsync(HttpClient client, string url, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // Only a failed response is read to its end: a stream never ends.
        if (!response.IsSuccessStatusCode)
            Assert.Fail($"{url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseClient(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next frame, or null when the server ended the stream.</summary>
    public async Task<SseFrame?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        string? id = null, type = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cts.Token);
            if (line is null) return null;
            if (line.Length == 0)
            {
                if (type is null && data.Length == 0) continue;   // the end of a retry: or comment-only block
                return new SseFrame(id, type ?? "message", data.ToString());
            }
            if (line.StartsWith(':')) { if (type is null && data.Length == 0) return new SseFrame(null, ":", line[1..].Trim()); continue; }
            var colon = line.IndexOf(':');
            var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart());
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data.Append(value); break;
            }
        }
    }

    /// <summary>Skips other frames until one of <paramref name="type"/> that satisfies <paramref name="match"/>.</summary>
    public async Task<SseFrame> NextAsync(string type, Func<SseFrame, bool>? match = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            var frame = await NextAsync(deadline - DateTime.UtcNow) ?? throw new InvalidOperationException("The server ended the stream.");
            if (frame.Event == type && (match is null || match(frame))) return frame;
        }
        throw new TimeoutException($"No '{type}' frame arrived in time.");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
