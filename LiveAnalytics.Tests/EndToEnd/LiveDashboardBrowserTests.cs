using System.Text.RegularExpressions;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>
/// A merchant signs up and adds a site in real Chromium; a visitor opens a page carrying the
/// snippet in a second browser context; the open dashboard shows them without a reload.
/// </summary>
public sealed class LiveDashboardBrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly AppFactory _app = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private Uri _base = default!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: install Debian's chromium package (./test.sh does).");
        _app.UseKestrel(0);
        _app.StartServer();
        _base = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        // A busy CI machine renders slower than a laptop: wait up to 15 s for each expected state.
        SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    [Fact]
    public async Task A_visitor_appears_on_the_open_dashboard_without_a_reload()
    {
        var merchant = await (await _browser!.NewContextAsync(new() { BaseURL = _base.ToString() })).NewPageAsync();
        await merchant.GotoAsync("/account/signup");
        await merchant.FillAsync("#email", $"e2e{Guid.NewGuid():N}@test.example");
        await merchant.FillAsync("#password", TestData.Password);
        await merchant.FillAsync("#confirm", TestData.Password);
        await merchant.ClickAsync("#signup-submit");
        await merchant.WaitForURLAsync("**/sites/new");
        await merchant.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        var domain = TestData.UniqueDomain();
        await merchant.GetByLabel("Domain").FillAsync(domain);
        await merchant.GetByLabel("Name").FillAsync("E2E shop");
        await merchant.GetByRole(AriaRole.Button, new() { Name = "Add site" }).ClickAsync();
        await merchant.WaitForURLAsync(new Regex(@"/sites/\d+$"));
        await Expect(merchant.GetByTestId("visitors-online")).ToHaveTextAsync("0");
        var snippet = (await merchant.GetByTestId("snippet").TextContentAsync())!;
        Assert.Contains($"data-domain=\"{domain}\"", snippet);

        // The store is another web server and origin, serving the snippet exactly as the dashboard shows it.
        await using var storeServer = await StoreServer.StartAsync(snippet);
        // Headless Chromium says "HeadlessChrome", which the bot filter rightly drops: this visitor is a person.
        var store = await (await _browser.NewContextAsync(new() { UserAgent = TestData.Chrome })).NewPageAsync();
        await store.GotoAsync($"{storeServer.Origin}/store/products/linen-hat");

        await Expect(merchant.GetByTestId("visitors-online")).ToHaveTextAsync("1");
        await Expect(merchant.GetByTestId("live-feed")).ToContainTextAsync("/store/products/linen-hat");

        // A single-page-app navigation is a pageview too.
        await store.EvaluateAsync("history.pushState({}, '', '/store/cart')");
        await Expect(merchant.GetByTestId("live-feed")).ToContainTextAsync("/store/cart");
        await Expect(merchant.GetByTestId("visitors-online")).ToHaveTextAsync("1");

        // The server refuses one beacon (503): the tracker keeps it and sends it again after the next one succeeds.
        var refuseNext = true;
        await store.RouteAsync("**/api/event", async route =>
        {
            if (!refuseNext) { await route.ContinueAsync(); return; }
            refuseNext = false;
            await route.FulfillAsync(new() { Status = 503, Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = "*", ["Retry-After"] = "1" } });
        });
        await store.EvaluateAsync("history.pushState({}, '', '/store/checkout')");
        await store.WaitForFunctionAsync("() => (localStorage.getItem('la_retry') || '').includes('/store/checkout')");
        await store.EvaluateAsync("history.pushState({}, '', '/store/thanks')");
        await Expect(merchant.GetByTestId("live-feed")).ToContainTextAsync("/store/thanks");
        await Expect(merchant.GetByTestId("live-feed")).ToContainTextAsync("/store/checkout");

        // Logging out ends the session: the dashboard asks for a login again.
        await merchant.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await merchant.WaitForURLAsync("**/account/login");
        await merchant.GotoAsync("/sites");
        await merchant.WaitForURLAsync("**/account/login?*");
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        await _app.DisposeAsync();
    }

    /// <summary>A merchant's store: any page under /store/ carries the tracking snippet.</summary>
    private sealed class StoreServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private StoreServer(WebApplication app, string origin) { _app = app; Origin = origin; }

        public string Origin { get; }

        public static async Task<StoreServer> StartAsync(string snippet)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapGet("/store/{**path}", () => Results.Content(
                $"<!doctype html><html><head>{snippet}</head><body><h1>Linen hat</h1></body></html>", "text/html"));
            await app.StartAsync();
            var port = new Uri(app.Urls.First()).Port;
            return new StoreServer(app, $"http://localhost:{port}");
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
