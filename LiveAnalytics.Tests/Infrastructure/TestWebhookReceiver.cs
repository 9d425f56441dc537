using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>A chat's incoming webhook on this machine: it keeps every JSON body posted to it and answers <see cref="Status"/>.</summary>
public sealed class TestWebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentQueue<JsonElement> Received { get; } = new();
    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;
    /// <summary>The address to post to, with a path that stands for the channel's secret.</summary>
    public string Url { get; }

    private TestWebhookReceiver(WebApplication app, string url) => (_app, Url) = (app, url);

    public static async Task<TestWebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        TestWebhookReceiver? receiver = null;
        app.MapPost("/services/T000/B000/secret-token", async (HttpContext http) =>
        {
            receiver!.Received.Enqueue((await JsonDocument.ParseAsync(http.Request.Body)).RootElement.Clone());
            return Results.StatusCode((int)receiver.Status);
        });
        await app.StartAsync();
        var root = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new TestWebhookReceiver(app, $"{root}/services/T000/B000/secret-token");
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
