using LiveAnalytics.Live;
using Microsoft.Extensions.Time.Testing;

namespace LiveAnalytics.Tests.Live;

public sealed class RenderCoalescerTests
{
    [Fact]
    public async Task Renders_the_first_change_at_once_and_a_burst_once_per_interval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var renders = 0;
        using var coalescer = new RenderCoalescer(time, TimeSpan.FromMilliseconds(100), () => { renders++; return Task.CompletedTask; });

        coalescer.Request();
        Assert.Equal(1, renders);

        for (var i = 0; i < 1000; i++) coalescer.Request();
        Assert.Equal(1, renders);          // the burst waits for the interval to pass

        time.Advance(TimeSpan.FromMilliseconds(100));
        await Task.Yield();
        Assert.Equal(2, renders);          // ... and then renders once

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, renders);          // no change, no render
    }

    [Fact]
    public void Does_not_render_after_dispose()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var renders = 0;
        var coalescer = new RenderCoalescer(time, TimeSpan.FromMilliseconds(100), () => { renders++; return Task.CompletedTask; });
        coalescer.Request();
        coalescer.Request();
        coalescer.Dispose();
        time.Advance(TimeSpan.FromSeconds(1));
        coalescer.Request();
        Assert.Equal(1, renders);
    }
}
