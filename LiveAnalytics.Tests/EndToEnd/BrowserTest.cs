using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>
/// The app on a real port and Debian's Chromium driven by Playwright; a merchant signs up through the forms.
/// What the browser logged (console, page errors, navigations) and the app's warnings go to the test's output,
/// which a failed test prints: a timeout in a busy full run then says what the page and the server saw.
/// </summary>
public abstract class BrowserTest(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    protected readonly AppFactory App = new LoggedAppFactory();
    private readonly ConcurrentQueue<string> _browserLog = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private IPlaywright? _playwright;
    protected IBrowser Browser { get; private set; } = default!;
    protected Uri BaseUri { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: install Debian's chromium package (./test.sh does).");
        App.UseKestrel(0);
        App.StartServer();
        BaseUri = new Uri(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        // A busy CI machine renders slower than a laptop: wait up to 15 s for each expected state.
        SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>A browser context whose pages' console, errors and navigations go to the test's output.</summary>
    protected async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Browser.NewContextAsync(options);
        context.Page += (_, page) =>
        {
            var name = $"page {context.Pages.Count}";
            page.Console += (_, m) => Log($"{name} console.{m.Type}: {m.Text}");
            page.PageError += (_, error) => Log($"{name} error: {error}");
            page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) Log($"{name} at {frame.Url}"); };
        };
        return context;
    }

    private void Log(string line) => _browserLog.Enqueue($"{_clock.Elapsed.TotalSeconds,7:F2} s  {line}");

    /// <summary>Signs a new merchant up, adds a site and waits on its live page.</summary>
    /// <returns>The merchant's page, the site's domain and id.</returns>
    protected async Task<(IPage Page, string Domain, long SiteId)> SignUpWithSiteAsync()
    {
        var page = await (await NewContextAsync(new() { BaseURL = BaseUri.ToString() })).NewPageAsync();
        await page.GotoAsync("/account/signup");
        await page.FillAsync("#email", $"e2e{Guid.NewGuid():N}@test.example");
        await page.FillAsync("#password", TestData.Password);
        await page.FillAsync("#confirm", TestData.Password);
        await page.ClickAsync("#signup-submit");
        await ExpectUrlAsync(page, "/sites/new");
        await WaitForCircuitAsync(page);

        var domain = TestData.UniqueDomain();
        await page.GetByLabel("Domain").FillAsync(domain);
        await page.GetByLabel("Name").FillAsync("E2E shop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add site" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/sites/\d+$"));   // polled: see ExpectUrlAsync
        return (page, domain, long.Parse(page.Url.Split('/')[^1]));
    }

    /// <summary>The account that signed up and made the site (its owner), for what a test sets up without the browser.</summary>
    protected async Task<Guid> OwnerOfAsync(long siteId)
    {
        await using var conn = await App.Get<Npgsql.NpgsqlDataSource>().OpenConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<Guid>(conn, "SELECT user_id FROM site_members WHERE site_id = @siteId AND role = 'owner'", new { siteId });
    }

    /// <summary>
    /// Waits until the page's address ends with <paramref name="end"/> (path and query); on timeout, fails saying
    /// where the page is and what it shows.
    /// </summary>
    /// <remarks>
    /// A web-first assertion that polls the address, not <c>WaitForURLAsync</c>: the .NET client checks the
    /// address and then listens for navigations, and a navigation that lands between the two (a Blazor in-page
    /// navigation, on a busy machine) left it waiting its 30 s although the page was there, in about one full
    /// run in eight (the browser's log showed the navigation seconds before the timeout).
    /// </remarks>
    protected static async Task ExpectUrlAsync(IPage page, string end)
    {
        try
        {
            await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(end) + "$"));
        }
        catch (PlaywrightException e)
        {
            string text;
            try { text = await page.Locator("body").InnerTextAsync(new() { Timeout = 2_000 }); }
            catch (PlaywrightException) { text = "(the page could not be read)"; }
            throw new TimeoutException($"Still at {page.Url} while waiting for an address ending {end}; the page says: {text[..Math.Min(600, text.Length)]}", e);
        }
    }

    /// <summary>Input sent before the circuit is up would be lost.</summary>
    protected static Task WaitForCircuitAsync(IPage page) =>
        page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    public async Task DisposeAsync()
    {
        Log("test over");
        foreach (var line in _browserLog) output.WriteLine(line);
        // Only once started: reading the services of an app that never started would start it now.
        if (BaseUri is not null)
            foreach (var record in App.Services.GetFakeLogCollector().GetSnapshot())
                output.WriteLine($"app {record.Timestamp:HH:mm:ss.fff} {record.Level} {record.Category}: {record.Message} {record.Exception}");
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        await App.DisposeAsync();
    }

    /// <summary>The app's warnings and errors (the tests' log level) kept for the output.</summary>
    /// <remarks>Sessions are checked against their account every second (a minute by default), so a changed password shows at once.</remarks>
    private sealed class LoggedAppFactory() : AppFactory(new Dictionary<string, string?> { ["Accounts:SessionCheckSeconds"] = "1" })
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddFakeLogging());
        }
    }
}
