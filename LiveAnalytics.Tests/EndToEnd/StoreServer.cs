using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace LiveAnalytics.Tests.EndToEnd;

/// <summary>
/// A merchant's store, another web server and origin: any page under /store/ carries the tracking snippet, the
/// page's <see cref="Body"/>, and the widget embed once set.
/// </summary>
internal sealed class StoreServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private StoreServer(WebApplication app, string origin) { _app = app; Origin = origin; }

    public string Origin { get; }
    public string Body { get; set; } = "<h1>Linen hat</h1>";
    public string Embed { get; set; } = "";

    public static async Task<StoreServer> StartAsync(string snippet)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        StoreServer? store = null;
        app.MapGet("/store/{**path}", () => Results.Content(
            $"<!doctype html><html><head>{snippet}</head><body>{store!.Body}{store.Embed}</body></html>", "text/html"));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        return store = new StoreServer(app, $"http://localhost:{port}");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
