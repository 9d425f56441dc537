using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Net.Http.Headers;
using NUglify;
using NUglify.JavaScript;

namespace LiveAnalytics.Ingestion;

/// <summary>
/// GET /la.js: the tracker every store page loads. Its source (wwwroot/la.js) is written to be read, comments and
/// all; it is minified once at start (NUglify) and kept in memory Brotli- and gzip-compressed, with an ETag, so a
/// visitor's first page downloads about half of what the source would cost compressed.
/// </summary>
public sealed partial class TrackerScript
{
    // Not fingerprinted (every store's snippet names /la.js): cached an hour, then revalidated with the ETag.
    private const string CacheControl = "public, max-age=3600";
    private readonly byte[] _plain, _brotli, _gzip;
    private readonly string _etag;

    public TrackerScript(ILogger<TrackerScript> logger)
    {
        var source = ReadSource();
        var minified = Uglify.Js(source, new CodeSettings { PreserveImportantComments = false });
        if (minified.HasErrors)
        {
            // The browser tests run the minified script; should a NUglify release ever choke, the source still works.
            LogNotMinified(logger, string.Join("; ", minified.Errors));
            _plain = Encoding.UTF8.GetBytes(source);
        }
        else _plain = Encoding.UTF8.GetBytes(minified.Code);
        _brotli = Compress(_plain, s => new BrotliStream(s, CompressionLevel.SmallestSize));
        _gzip = Compress(_plain, s => new GZipStream(s, CompressionLevel.SmallestSize));
        _etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(_plain))[..16]}\"";
    }

    public IResult Serve(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = CacheControl;
        headers.ETag = _etag;
        headers.Vary = HeaderNames.AcceptEncoding;
        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == _etag || t.Trim() == "*")))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        var (body, encoding) = Accepts(http.Request, "br") ? (_brotli, "br") : Accepts(http.Request, "gzip") ? (_gzip, "gzip") : (_plain, null);
        if (encoding is not null) headers.ContentEncoding = encoding;
        return TypedResults.Bytes(body, "text/javascript; charset=utf-8");
    }

    private static bool Accepts(HttpRequest request, string coding) =>
        request.GetTypedHeaders().AcceptEncoding.Any(e => e.Value.Equals(coding, StringComparison.OrdinalIgnoreCase) && e.Quality is not 0);

    private static string ReadSource()
    {
        using var stream = typeof(TrackerScript).Assembly.GetManifestResourceStream("la.js")
            ?? throw new InvalidOperationException("The tracker's source (wwwroot/la.js) is not embedded in the app.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static byte[] Compress(byte[] data, Func<Stream, Stream> compressor)
    {
        using var buffer = new MemoryStream();
        using (var stream = compressor(buffer)) stream.Write(data);
        return buffer.ToArray();
    }

    [LoggerMessage(LogLevel.Warning, "The tracker could not be minified, so it is served as written: {Errors}")]
    private static partial void LogNotMinified(ILogger logger, string errors);
}
