namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>Loads the enrichment data in the background at start, so no visitor's beacon waits for it.</summary>
internal sealed class EnrichmentWarmUp(Enricher enricher) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken ct) => Task.Run(enricher.Warm, ct);
}
