using LiveAnalytics.Ingestion;
using LiveAnalytics.Widgets;

namespace LiveAnalytics.Infrastructure;

/// <summary>
/// Endpoints only the benchmarks use, mapped only with <c>Benchmark:EmptyEndpoint=true</c>: the HTTP
/// ceiling of this server, and its memory after a full collection (for bytes per viewer or circuit).
/// </summary>
public static class BenchmarkEndpoints
{
    public static WebApplication MapBenchmark(this WebApplication app)
    {
        if (!app.Configuration.GetValue<bool>("Benchmark:EmptyEndpoint")) return app;
        // The same server, reading a body and answering 202, doing nothing else; short-circuited like the
        // beacon endpoint, so that both take the same way through the middleware.
        app.MapPost("/bench/empty", async (HttpContext http) =>
        {
            (await EventEndpoint.ReadBodyAsync(http.Request, 1 << 20, http.RequestAborted))?.Dispose();
            return TypedResults.Accepted((string?)null);
        }).DisableAntiforgery().ShortCircuit();
        app.MapGet("/bench/memory", (WidgetHub widgets) =>
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            return TypedResults.Ok(new MemoryReading(GC.GetTotalMemory(false), Environment.WorkingSet, widgets.Viewers));
        });
        return app;
    }

    public sealed record MemoryReading(long ManagedBytes, long WorkingSetBytes, int WidgetViewers);
}
