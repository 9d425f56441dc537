using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Microsoft.Playwright;
using Npgsql;
using static LiveAnalytics.Bench.Stats;

namespace LiveAnalytics.Bench;

/// <summary>
/// Live delivery (issue 4): time from an event's POST until an API stream client, a widget and the
/// live page's DOM in Chromium have it, under a background load; widget fan-out; memory per viewer
/// and per dashboard circuit. One process and one clock measure both ends.
/// </summary>
public static partial class LiveBench
{
    public static async Task RunAsync(Func<string, string, string> arg)
    {
        var url = arg("url", "http://127.0.0.1:5090");
        var domain = arg("domain", "bench-shop.example");
        var apiKey = arg("api-key", "");
        var seconds = int.Parse(arg("seconds", "30"));
        var loadRate = int.Parse(arg("load", "5000"));
        var viewers = int.Parse(arg("viewers", "10000"));
        var circuits = int.Parse(arg("circuits", "20"));
        var circuitPage = arg("circuit-page", "");
        var phases = arg("phases", "12345");
        var runs = int.Parse(arg("runs", "3"));
        await using var db = NpgsqlDataSource.Create(arg("pg", ""));
        var setup = new BenchSetup(db);
        long siteId;
        await using (var conn = await db.OpenConnectionAsync())
            siteId = await conn.ExecuteScalarAsync<long>("SELECT id FROM sites WHERE domain = @domain", new { domain });
        await setup.SiteAsync("bench-load.example", domain);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(url),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Console.WriteLine($"{Machine()}; the load generator, the clients and Chromium share the cores with the app, PostgreSQL and Redis");

        if (phases.Contains('1'))
        {
            Console.WriteLine($"\n1. Event POST → API stream client and widget, background load {loadRate}/s on another site, probes every 250 ms for {seconds} s");
            await using (var load = StartLoad(url, apiKey, "bench-load.example", loadRate))
            {
                await Task.Delay(3000);
                // Warm-up on a site of its own: the first requests of each path pay for JIT compilation.
                var warmUp = await setup.SiteAsync("bench-warmup.example", domain);
                await StreamAndWidgetAsync(http, url, apiKey, "bench-warmup.example", await setup.WidgetTokenAsync(warmUp, "visitors"), 5);
                for (var run = 1; run <= runs; run++)
                {
                    // A fresh site per run: its visitor counter starts from its own baseline.
                    var runDomain = $"bench-live-{run}.example";
                    var runSite = await setup.SiteAsync(runDomain, domain);
                    var (stream, widget) = await StreamAndWidgetAsync(http, url, apiKey, runDomain, await setup.WidgetTokenAsync(runSite, "visitors"), seconds);
                    Console.WriteLine($"   run {run}:");
                    Report("API stream client (SSE)", stream);
                    Report("widget (visitors counter, SSE)", widget);
                }
                Console.WriteLine($"   background load accepted {load.Rate:F0} events/s, refused or late {load.Failed}");
            }
        }

        if (phases.Contains('2'))
        {
            Console.WriteLine($"\n2. The same with the load on the measured site itself ({loadRate}/s among the probes)");
            await setup.SiteAsync("bench-busy.example", domain);
            await using (var load = StartLoad(url, apiKey, "bench-busy.example", loadRate))
            {
                await Task.Delay(3000);
                var (stream, _) = await StreamAndWidgetAsync(http, url, apiKey, "bench-busy.example", null, seconds);
                Report("API stream client (SSE), load on its own site", stream);
                Console.WriteLine($"   background load accepted {load.Rate:F0} events/s, refused or late {load.Failed}");
            }

        }

        // Circuits are measured on the first DOM run's site: a full feed and breakdowns.
        var domSite = await setup.SiteAsync("bench-dom-1.example", domain);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
        });
        var context = await browser.NewContextAsync(new() { BaseURL = url });
        await LogInAsync(context, arg("password", ""));
        if (phases.Contains('3'))
        {
            Console.WriteLine($"\n3. Event POST → the live page's DOM in Chromium, background load {loadRate}/s on another site, probes every 150 ms");
            await using (var load = StartLoad(url, apiKey, "bench-load.example", loadRate))
            {
                await Task.Delay(3000);
                for (var run = 1; run <= runs; run++)
                {
                    var runDomain = $"bench-dom-{run}.example";
                    Console.WriteLine($"   run {run}:");
                    Report("live page DOM (Chromium)", await DomAsync(context, url, await setup.SiteAsync(runDomain, domain), runDomain, seconds));
                }
            }
            Console.WriteLine($"   responsiveness with {loadRate}/s on the open page's own site: a click on Pause/Resume until the button changed");
            var busySite = await setup.SiteAsync("bench-busy.example", domain);
            await using (var load = StartLoad(url, apiKey, "bench-busy.example", loadRate))
            {
                await Task.Delay(3000);
                Report("click to re-render (Chromium)", await ClicksAsync(context, busySite, 40));
                var (bytes, frames) = await BytesAsync(context, busySite);
                Console.WriteLine($"   the open page receives {bytes / 1024:F1} KB/s in {frames:F1} WebSocket messages/s (10 s)");
            }

        }

        if (phases.Contains('4'))
        {
            Console.WriteLine($"\n4. Memory per open live-dashboard circuit ({circuits} circuits of {(circuitPage.Length > 0 ? circuitPage : "the live page")}, no load)");
            // Let the previous phase's backlog settle; two readings show how much the baseline itself moves.
            await Task.Delay(5000);
            var settle = await MemoryAsync(http);
            await Task.Delay(2000);
            var before = await MemoryAsync(http);
            Console.WriteLine($"   baseline drift over 2 s: {(before.Managed - settle.Managed) / 1024.0:F0} KB managed");
            var pages = new List<IPage>();
            for (var i = 0; i < circuits; i++)
            {
                var page = await context.NewPageAsync();
                await page.GotoAsync(circuitPage.Length > 0 ? circuitPage.Replace("{site}", domSite.ToString()) : $"/sites/{domSite}");
                await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 60_000 });
                pages.Add(page);
            }
            var after = await MemoryAsync(http);
            Console.WriteLine($"   managed heap {(after.Managed - before.Managed) / circuits / 1024.0:F0} KB per circuit, working set {(after.WorkingSet - before.WorkingSet) / circuits / 1024.0:F0} KB per circuit");
            // For a look inside (dotnet-gcdump collect -p <app pid>) while the circuits are open.
            await Task.Delay(TimeSpan.FromSeconds(int.Parse(arg("hold-seconds", "0"))));
            foreach (var page in pages) await page.CloseAsync();
        }
        await context.CloseAsync();

        if (!phases.Contains('5'))
        {
            ReportMedians();
            return;
        }

        Console.WriteLine($"\n5. Fan-out: {viewers} widget viewers on one app process, 100 events/s to their site for {seconds} s");
        var fanoutSite = await setup.SiteAsync("bench-fanout.example", domain);
        await FanOutAsync(http, url, "bench-fanout.example", await setup.WidgetTokenAsync(fanoutSite, "visitors"), viewers, seconds);
        ReportMedians();
    }

    private static BackgroundLoad StartLoad(string url, string apiKey, string domain, int rate)
    {
        var load = new BackgroundLoad(url, apiKey, domain, rate);
        load.Start();
        return load;
    }

    private static readonly List<(string What, double P50, double P99)> Reported = [];

    private static void Report(string what, IReadOnlyCollection<double> ms)
    {
        Console.WriteLine($"   {what}: p50 {Percentile(ms, 0.5):F1} ms, p99 {Percentile(ms, 0.99):F1} ms, max {(ms.Count == 0 ? double.NaN : ms.Max()):F1} ms ({ms.Count} samples)");
        Reported.Add((what, Percentile(ms, 0.5), Percentile(ms, 0.99)));
    }

    private static void ReportMedians()
    {
        Console.WriteLine("\nMedians over the runs (of each run's p50 and p99):");
        foreach (var g in Reported.GroupBy(r => r.What).Where(g => g.Count() > 1))
            Console.WriteLine($"   {g.Key}: p50 {Median(g.Select(r => r.P50)):F1} ms, p99 {Median(g.Select(r => r.P99)):F1} ms ({g.Count()} runs)");
    }

    private static async Task<(List<double> Stream, List<double> Widget)> StreamAndWidgetAsync(
        HttpClient http, string url, string apiKey, string domain, string? widgetToken, int seconds)
    {
        var probes = new Probes(url, domain);
        var stream = new ConcurrentDictionary<int, double>();
        var widget = new ConcurrentDictionary<int, double>();
        using var stop = new CancellationTokenSource();
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/stream?site_id={domain}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var streamClient = new HttpClient(new SocketsHttpHandler()) { BaseAddress = http.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        streamClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var readers = new List<Task>
        {
            await SseReader.OpenAsync(streamClient, $"/api/v1/stream?site_id={domain}", line =>
            {
                if (SseReader.Probe(line) is { } n && probes.LatencyMs(n) is { } ms) stream.TryAdd(n, ms);
            }, stop.Token),
        };
        if (widgetToken is not null)
        {
            int? baseline = null;
            var next = 0;
            readers.Add(await SseReader.OpenAsync(http, $"/widget/visitors/stream?token={widgetToken}", line =>
            {
                if (SseReader.IntField(line, "visitors") is not { } count) return;
                baseline ??= count;
                // Probe n is the (n+1)-th new visitor: the counter reaching baseline + n + 1 shows it.
                for (; baseline + next + 1 <= count; next++)
                    if (probes.LatencyMs(next) is { } ms) widget.TryAdd(next, ms);
            }, stop.Token));
        }
        await Task.Delay(500);
        await probes.RunAsync(TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(250));
        await Task.Delay(1500);
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        if (stream.Count < probes.Count) Console.WriteLine($"   the stream client missed {probes.Count - stream.Count} of {probes.Count} probes");
        return (stream.Values.ToList(), widget.Values.ToList());
    }

    private static async Task LogInAsync(IBrowserContext context, string password)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", "demo@liveanalytics.local");
        await page.FillAsync("#password", password);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync(u => !u.Contains("/account/login"));
        await page.CloseAsync();
    }

    private static async Task<List<double>> DomAsync(IBrowserContext context, string url, long siteId, string siteDomain, int seconds)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/sites/{siteId}");
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        await page.EvaluateAsync("""
            () => {
              window.__seen = {};
              new MutationObserver(() => {
                const now = performance.timeOrigin + performance.now();
                for (const td of document.querySelectorAll('td.feed-page')) {
                  const m = /^\/probe\/(\d+)$/.exec(td.textContent);
                  if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = now;
                }
              }).observe(document.body, { subtree: true, childList: true, characterData: true });
            }
            """);
        var sent = new ConcurrentDictionary<int, double>();
        await new Probes(url, siteDomain).RunAsync(TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(150),
            firstVisitor: 500_000, sentAtEpoch: (n, at) => sent[n] = at);
        await Task.Delay(1500);
        var seen = await page.EvaluateAsync<Dictionary<string, double>>("() => window.__seen");
        await page.CloseAsync();
        if (seen.Count < sent.Count) Console.WriteLine($"   the page showed {seen.Count} of {sent.Count} probes");
        return seen.Where(s => sent.ContainsKey(int.Parse(s.Key))).Select(s => s.Value - sent[int.Parse(s.Key)]).ToList();
    }

    /// <summary>A merchant's click on a page whose site takes the full load: the round trip through the circuit.</summary>
    private static async Task<List<double>> ClicksAsync(IBrowserContext context, long siteId, int clicks)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/sites/{siteId}");
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        var times = new List<double>();
        for (var i = 0; i < clicks; i++)
        {
            var (press, expect) = i % 2 == 0 ? ("feed-pause", "feed-resume") : ("feed-resume", "feed-pause");
            var ms = await page.EvaluateAsync<double>("""
                ([press, expect]) => new Promise(resolve => {
                  const start = performance.now();
                  const done = () => document.querySelector(`[data-testid=${expect}]`) && (resolve(performance.now() - start), true);
                  const observer = new MutationObserver(() => done() && observer.disconnect());
                  observer.observe(document.body, { subtree: true, childList: true, attributes: true });
                  document.querySelector(`[data-testid=${press}]`).click();
                })
                """, new[] { press, expect });
            times.Add(ms);
            await Task.Delay(200);
        }
        await page.CloseAsync();
        return times;
    }

    private static async Task<(long Managed, long WorkingSet, int Viewers)> MemoryAsync(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/bench/memory"));
        var r = doc.RootElement;
        return (r.GetProperty("managedBytes").GetInt64(), r.GetProperty("workingSetBytes").GetInt64(), r.GetProperty("widgetViewers").GetInt32());
    }

    private static async Task FanOutAsync(HttpClient http, string url, string domain, string token, int viewers, int seconds)
    {
        var before = await MemoryAsync(http);
        using var stop = new CancellationTokenSource();
        var probes = new Probes(url, domain);
        var latencies = new ConcurrentBag<double>();
        var ready = 0;
        var readers = new Task[viewers];
        using var opening = new SemaphoreSlim(100);
        var started = Probes.NowMs();
        await Parallel.ForAsync(0, viewers, new ParallelOptions { MaxDegreeOfParallelism = 100 }, async (v, _) =>
        {
            int? baseline = null;
            var next = 0;
            readers[v] = await SseReader.OpenCountAsync(http, $"/widget/visitors/stream?token={token}", "visitors", count =>
            {
                if (baseline is null) { baseline = count; Interlocked.Increment(ref ready); return; }
                for (; baseline + next + 1 <= count; next++)
                    if (next % 10 == 0 && probes.LatencyMs(next) is { } ms) latencies.Add(ms);   // every 10th event, from every viewer
            }, stop.Token);
        });
        while (Volatile.Read(ref ready) < viewers) await Task.Delay(100);
        Console.WriteLine($"   {viewers} viewers connected and showing the counter in {(Probes.NowMs() - started) / 1000:F1} s");
        var connected = await MemoryAsync(http);
        Console.WriteLine($"   server memory per viewer: managed heap {(connected.Managed - before.Managed) / (double)viewers / 1024:F1} KB, " +
            $"working set {(connected.WorkingSet - before.WorkingSet) / (double)viewers / 1024:F1} KB ({connected.Viewers} viewers counted by the server)");
        await probes.RunAsync(TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(10));
        await Task.Delay(3000);
        var expected = (probes.Count + 9) / 10 * (long)viewers;
        Report($"delivery to every viewer (every 10th of {probes.Count} events)", latencies);
        if (latencies.Count < expected) Console.WriteLine($"   {expected - latencies.Count} of {expected} deliveries did not arrive within 3 s after the load");
        await stop.CancelAsync();
        await Task.WhenAll(readers.Where(r => r is not null));
    }
}
