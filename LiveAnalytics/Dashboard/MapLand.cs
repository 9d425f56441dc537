using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// Serves the maps' unshaded land (<see cref="WorldMap.LandSvg"/>, some 75 KB) as a file that pages refer to, in place
/// of drawing it inline: a live or history page would otherwise carry it twice on every load (in the prerendered HTML
/// and again in the circuit's first render). Its address names its content's hash, so browsers keep it for a year and
/// a new map (another world-atlas) is a new address.
/// </summary>
public sealed class MapLand
{
    public const string Path = "/map/land.svg";

    private readonly Lazy<(byte[] Plain, byte[] Gzip, string Version)> _file;

    public MapLand(WorldMap world) => _file = new(() =>
    {
        var plain = Encoding.UTF8.GetBytes(world.LandSvg);
        using var gzip = new MemoryStream();
        using (var zip = new GZipStream(gzip, CompressionLevel.SmallestSize)) zip.Write(plain);
        return (plain, gzip.ToArray(), Convert.ToHexStringLower(SHA256.HashData(plain))[..16]);
    });

    /// <summary>The land's group within the file, for an SVG <c>use</c>.</summary>
    public string Href => $"{Path}?v={_file.Value.Version}#land";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet(Path, (HttpContext context, MapLand land) => land.Serve(context)).AllowAnonymous();

    private IResult Serve(HttpContext context)
    {
        var (plain, gzip, version) = _file.Value;
        var headers = context.Response.GetTypedHeaders();
        var etag = new EntityTagHeaderValue($"\"{version}\"");
        headers.ETag = etag;
        // The address of this content is kept for good; any other (an old or no version) is looked at again soon.
        headers.CacheControl = context.Request.Query["v"] == version
            ? new CacheControlHeaderValue { Public = true, MaxAge = TimeSpan.FromDays(365), Extensions = { new("immutable") } }
            : new CacheControlHeaderValue { Public = true, MaxAge = TimeSpan.FromMinutes(5) };
        context.Response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (context.Request.GetTypedHeaders().IfNoneMatch.Any(t => t.Tag == "*" || t.Compare(etag, useStrongComparison: false)))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        if (!AcceptsGzip(context.Request)) return Results.Bytes(plain, "image/svg+xml");
        context.Response.Headers.ContentEncoding = "gzip";
        return Results.Bytes(gzip, "image/svg+xml");
    }

    private static bool AcceptsGzip(HttpRequest request) => request.GetTypedHeaders().AcceptEncoding
        .Any(e => e.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && (e.Quality ?? 1) > 0);
}
