using System.IO.Compression;
using System.Net;
using System.Text;
using LiveAnalytics.Tests.Infrastructure;

namespace LiveAnalytics.Tests.Ingestion;

/// <summary>/la.js: the tracker minified from its readable source, compressed as the browser accepts, revalidated by ETag.</summary>
public sealed class TrackerScriptTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly AppFactory _app = fixture.App;

    private async Task<HttpResponseMessage> GetAsync(string? acceptEncoding = null, string? etag = null)
    {
        // The test client adds no Accept-Encoding of its own, and does not decompress.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/la.js");
        if (acceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        if (etag is not null) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        return await _app.CreateClient().SendAsync(request);
    }

    [Fact]
    public async Task Is_minified_from_the_source_and_compressed_as_the_browser_accepts()
    {
        var source = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "wwwroot", "la.js"));
        using var plain = await GetAsync();
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("text/javascript", plain.Content.Headers.ContentType?.MediaType);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        var script = await plain.Content.ReadAsStringAsync();
        Assert.Contains("/api/event", script);
        Assert.Contains("la_retry", script);
        Assert.DoesNotContain("/*", script);   // no comments left
        Assert.True(script.Length < source.Length * 0.6, $"{script.Length} bytes minified of {source.Length}");

        using var brotli = await GetAsync("gzip, deflate, br");
        Assert.Equal(["br"], brotli.Content.Headers.ContentEncoding);
        var brotliBytes = await brotli.Content.ReadAsByteArrayAsync();
        Assert.Equal(script, Decompress(brotliBytes, s => new BrotliStream(s, CompressionMode.Decompress)));
        // What a store page pays on a first visit: the design's budget is 1-2 KB.
        Assert.True(brotliBytes.Length < 2048, $"{brotliBytes.Length} bytes with Brotli");

        using var gzip = await GetAsync("gzip;q=1, br;q=0");
        Assert.Equal(["gzip"], gzip.Content.Headers.ContentEncoding);
        Assert.Equal(script, Decompress(await gzip.Content.ReadAsByteArrayAsync(), s => new GZipStream(s, CompressionMode.Decompress)));
        Assert.Contains("Accept-Encoding", gzip.Headers.Vary);
    }

    [Fact]
    public async Task Is_cached_for_an_hour_and_revalidated_by_its_etag()
    {
        using var first = await GetAsync("br");
        Assert.Equal(TimeSpan.FromHours(1), first.Headers.CacheControl?.MaxAge);
        Assert.True(first.Headers.CacheControl?.Public);
        var etag = first.Headers.ETag!.Tag;
        using var again = await GetAsync("br", etag);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        using var changed = await GetAsync("br", "\"not-this-one\"");
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }

    private static string Decompress(byte[] data, Func<Stream, Stream> decompressor)
    {
        using var stream = decompressor(new MemoryStream(data));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LiveAnalytics.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (LiveAnalytics.sln) is not above the test's folder.");
    }
}
