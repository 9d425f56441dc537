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
        if (id is not null) { w.Write("id: "u8); Ascii(w, id); w.Write("\n"u8); }
        w.Write("event: "u8);
        Ascii(w, type);
        w.Write("\ndata: "u8);
        w.Write(json);
        w.Write("\n\n"u8);
    }

    /// <summary>A whole frame as bytes, for a frame many clients get alike.</summary>
    public static byte[] FrameBytes(string type, ReadOnlySpan<byte> json)
    {
        var frame = new byte[7 + type.Length + 7 + json.Length + 2];
        "event: "u8.CopyTo(frame);
        Encoding.ASCII.GetBytes(type, frame.AsSpan(7));
        "\ndata: "u8.CopyTo(frame.AsSpan(7 + type.Length));
        json.CopyTo(frame.AsSpan(14 + type.Length));
        "\n\n"u8.CopyTo(frame.AsSpan(frame.Length - 2));
        return frame;
    }

    // Ids and event types are ASCII: encoded straight into the pipe, no array per frame.
    private static void Ascii(System.IO.Pipelines.PipeWriter w, string s)
    {
        var span = w.GetSpan(s.Length);
        var n = Encoding.ASCII.GetBytes(s, span);
        w.Advance(n);
    }

    public void Raw(ReadOnlySpan<byte> frame) => response.BodyWriter.Write(frame);

    public void Comment() => response.BodyWriter.Write(Heartbeat);

    public async ValueTask FlushAsync(CancellationToken ct) => await response.BodyWriter.FlushAsync(ct);
}
