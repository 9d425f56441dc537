namespace LiveAnalytics.Ingestion.Enrichment;

/// <summary>Where the npm-sourced data files sit: next to the app, in build and publish output alike.</summary>
internal static class EnrichmentData
{
    public static string PathOf(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "EnrichmentData", file);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: it comes from npm (run 'npm ci' in the repository root, then build again).", path);
    }
}
