using System.Buffers;
using System.Text;

namespace LiveAnalytics.Live.Streaming;

/// <summary>
/// Writes Server-Sent Events frames (https://html.spec.whatwg.org/multipage/server-sent-events.html).
/// Payloads are single-line JSON, so a data line can never be split by a visitor's newline.
/// </summary>
public sealed class SseWriter(HttpResponse response)
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    public static void Start(HttpResponse response, TimeSpan retry)
    {
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        // Proxies (nginx) must pass each frame on at once, not buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        var writer = response.BodyWriter;
        writer.Write(Encoding.UTF8.GetBytes($"retry: {(long)retry.TotalMilliseconds}\n\n"));
    }

    /// <summary>Queues one frame; <see cref="FlushAsync"/> sends what is queued.</summary>
    public void Frame(string type, ReadOnlySpan<byte> json, string? id = null)
    {
        var w = response.BodyWriter;
        if (id is not null) { w.Write("id: "u8); w.Write(Encoding.ASCII.GetBytes(id)); w.Write("\n"u8); }
        w.Write("event: "u8);
        w.Write(Encoding.ASCII.GetBytes(type));
        w.Write("\ndata: "u8);
        w.Write(json);
        w.Write("\n\n"u8);
    }

    public void Raw(ReadOnlySpan<byte> frame) => response.BodyWriter.Write(frame);

    public void Comment() => response.BodyWriter.Write(Heartbeat);

    public async ValueTask FlushAsync(CancellationToken ct) => await response.BodyWriter.FlushAsync(ct);
}
