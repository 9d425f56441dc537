using System.Buffers;
using System.Text.Json;
using LiveAnalytics.Infrastructure;

namespace LiveAnalytics.Tests.Infrastructure;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Grows_past_its_first_array_and_keeps_every_byte()
    {
        var expected = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        using var buffer = new PooledBufferWriter(16);
        for (var at = 0; at < expected.Length; at += 333)
            buffer.Write(expected.AsSpan(at, Math.Min(333, expected.Length - at)));
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void A_json_writer_asking_for_more_than_is_left_gets_it()
    {
        // Utf8JsonWriter asks for large spans mid-value; the span must come from the grown array.
        var text = new string('x', 50_000);
        using var buffer = new PooledBufferWriter(16);
        using (var writer = new Utf8JsonWriter(buffer))
            JsonSerializer.Serialize(writer, new[] { text, text, text });
        Assert.Equal(3, JsonSerializer.Deserialize<string[]>(buffer.WrittenSpan)!.Count(s => s == text));
    }
}
