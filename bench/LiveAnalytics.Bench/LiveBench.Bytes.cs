using Microsoft.Playwright;

namespace LiveAnalytics.Bench;

public static partial class LiveBench
{
    /// <summary>
    /// What an open live page receives over its circuit each second while its own site takes the load: the render
    /// batches' bytes (the WebSocket's binary frames, as Chromium's DevTools protocol reports them) over 10 s.
    /// </summary>
    private static async Task<(double BytesPerSecond, double FramesPerSecond)> BytesAsync(IBrowserContext context, long siteId)
    {
        var page = await context.NewPageAsync();
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        var (bytes, frames, counting) = (0L, 0L, false);
        cdp.Event("Network.webSocketFrameReceived").OnEvent += (_, e) =>
        {
            if (!counting || e is not { } frame) return;
            var response = frame.GetProperty("response");
            var payload = response.GetProperty("payloadData").GetString() ?? "";
            // Binary frames come base64-encoded.
            Interlocked.Add(ref bytes, response.GetProperty("opcode").GetInt32() == 2 ? payload.Length * 3 / 4 : payload.Length);
            Interlocked.Increment(ref frames);
        };
        await page.GotoAsync($"/sites/{siteId}");
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        await Task.Delay(2000);
        const int seconds = 10;
        counting = true;
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        counting = false;
        await page.CloseAsync();
        return (Interlocked.Read(ref bytes) / (double)seconds, Interlocked.Read(ref frames) / (double)seconds);
    }
}
