using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LiveAnalytics.Persistence;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Faults;

/// <summary>
/// The app runs as a child process, persisting with its own Hangfire server, and is killed with
/// SIGKILL under load. A second node then claims what the dead one had read but not acknowledged:
/// every acknowledged event ends up in Postgres exactly once.
/// </summary>
public sealed class KillNineTests
{
    [Fact]
    public async Task Every_event_acknowledged_before_kill_9_is_persisted_once()
    {
        // The surviving node: in-process, same stream, takes over pending entries idle for a second.
        await using var survivor = new AppFactory(new Dictionary<string, string?> { ["Persistence:ClaimIdleSeconds"] = "1" });
        var merchant = await survivor.MerchantAsync();

        var port = FreePort();
        using var node = StartNode(port, survivor.KeyPrefix);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        await WaitUntilUpAsync(http, node);

        var load = new LoadGenerator(() => new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(5) }, merchant.Site.Domain, senders: 8);
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(4));   // long enough for the node's own flush runs (every second)
        node.Kill(entireProcessTree: true);          // SIGKILL: no shutdown, no flush, no XACK
        await node.WaitForExitAsync();
        await Task.Delay(300);
        await load.StopAsync();

        Assert.True(load.Acknowledged.Count > 200, $"only {load.Acknowledged.Count} acknowledged before the kill");
        await Task.Delay(TimeSpan.FromSeconds(1.5));  // the dead node's pending entries become claimable
        await survivor.Get<FlushEventsJob>().RunAsync();

        var persisted = await PostgresOutageTests.PersistedMarkersAsync(merchant.Site.Id);
        var lost = load.Acknowledged.Except(persisted).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {load.Acknowledged.Count} acknowledged events were lost");
        Assert.Equal(0, (await survivor.Redis.StreamPendingAsync(survivor.StreamKey, FlushEventsJob.Group)).PendingMessageCount);
    }

    private static Process StartNode(int port, string keyPrefix)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "LiveAnalytics.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__Postgres"] = TestServices.Postgres,
                ["ConnectionStrings__Redis"] = TestServices.Redis,
                ["Redis__KeyPrefix"] = keyPrefix,
                ["Persistence__HangfireSchema"] = "hangfire_" + keyPrefix,
                ["Persistence__FlushEverySeconds"] = "1",
                ["Ingestion__PerIpPerSecond"] = "100000",
                ["Logging__LogLevel__Default"] = "Warning",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            },
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilUpAsync(HttpClient http, Process node)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(node.HasExited, "the app process exited during start-up");
            try
            {
                if ((await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        Assert.Fail("the app process did not answer /healthz within 60 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
