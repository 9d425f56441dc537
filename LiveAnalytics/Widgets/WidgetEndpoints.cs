using LiveAnalytics.Live;
using LiveAnalytics.Live.Streaming;
using LiveAnalytics.Settings;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Widgets;

public static class WidgetEndpoints
{
    public static IEndpointRouteBuilder MapWidgets(this IEndpointRouteBuilder app)
    {
        app.MapGet("/widget/{kind}", PageAsync).WithName("Widget");
        app.MapGet("/widget/{kind}/stream", StreamAsync).WithName("WidgetStream");
        return app;
    }

    private static async Task<IResult> PageAsync(HttpContext http, string kind, WidgetTokens tokens, EventHub hub)
    {
        var (request, status, error) = await WidgetRequest.ReadAsync(http, kind, tokens);
        if (request is null) return ApiError.Problem(status, error!);
        var state = WidgetState.Now(hub, request.Grant.SiteId, kind, request.Subject);
        var stream = $"/widget/{Uri.EscapeDataString(kind)}/stream{http.Request.QueryString}";
        http.Response.Headers.ContentSecurityPolicy = WidgetPage.ContentSecurityPolicy(request.Grant);
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Content(WidgetPage.Render(request, state.ToJson(), stream), "text/html; charset=utf-8");
    }

    /// <summary>The widget's state whenever it changes (a few times a second at most), heartbeats between.</summary>
    private static async Task<IResult> StreamAsync(HttpContext http, string kind, WidgetTokens tokens, WidgetHub widgets)
    {
        var (request, status, error) = await WidgetRequest.ReadAsync(http, kind, tokens);
        if (request is null) return ApiError.Problem(status, error!);
        using var lease = widgets.Join(request.Grant.SiteId);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, widgets.RevocationOf(request.Grant.TokenId));
        var channel = lease.Channel;
        SseWriter.Start(http.Response, TimeSpan.FromSeconds(3));
        var sse = new SseWriter(http.Response);
        byte[]? sent = null;
        var heartbeats = channel.Heartbeats;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var pulse = channel.Pulse;
                var frame = channel.Frame(kind, request.Subject);
                // The same array means the same version; equal bytes of a new version are not sent again either.
                if (sent is null || (!ReferenceEquals(frame, sent) && !frame.AsSpan().SequenceEqual(sent)))
                {
                    sse.Raw(frame);
                    sent = frame;
                }
                else if (channel.Heartbeats != heartbeats)
                {
                    sse.Comment();
                }
                heartbeats = channel.Heartbeats;
                await sse.FlushAsync(stop.Token);
                await pulse.WaitAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The viewer left, or the token was revoked: the stream ends (a revoked token cannot reconnect).
        }
        return Results.Empty;
    }
}
