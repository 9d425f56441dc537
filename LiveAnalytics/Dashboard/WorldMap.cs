using System.Globalization;
using System.Text;
using System.Text.Json;
using LiveAnalytics.Ingestion.Enrichment;

namespace LiveAnalytics.Dashboard;

/// <summary>
/// The countries' outlines for the Locations card's map: Natural Earth's 1:110m countries as the npm package world-atlas
/// packs them (TopoJSON, keyed by ISO 3166 numeric codes), turned into alpha-2 codes (as GeoIP databases give them) by
/// i18n-iso-countries' table of codes. Read once, as SVG paths in an equirectangular projection: a unit a degree,
/// 360 × <see cref="Height"/> from 84° N; Antarctica is left out (no store's visitors).
/// </summary>
public sealed class WorldMap
{
    public const double Width = 360, Height = 144, North = 84;

    // Three shapes the data names but does not number: placed where a GeoIP database places their visitors.
    private static readonly Dictionary<string, string> Unnumbered = new() { ["Kosovo"] = "XK", ["N. Cyprus"] = "CY", ["Somaliland"] = "SO" };

    private readonly Lazy<IReadOnlyList<MapCountry>> _countries = new(() =>
        Read(EnrichmentData.PathOf("countries-110m.json"), EnrichmentData.PathOf("iso-country-codes.json")));

    /// <summary>Every country's outline (one code may have several: a shape the data names apart).</summary>
    public IReadOnlyList<MapCountry> Countries => _countries.Value;

    /// <summary>
    /// Every country as unshaded land with its name, as an SVG document of its own (in <c>g#land</c>) that
    /// <see cref="MapLand"/> serves: the biggest part of any page with a map, fetched once and kept by the browser.
    /// </summary>
    public string LandSvg => _land.Value;

    private readonly Lazy<string> _land;

    public WorldMap() => _land = new(() => string.Create(CultureInfo.InvariantCulture,
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\"><g id=\"land\">{string.Concat(Countries.Select(c =>
            $"<path d=\"{c.Path}\"><title>{System.Net.WebUtility.HtmlEncode(Live.CountryNames.Of(c.Code))}</title></path>"))}</g></svg>"));

    internal static IReadOnlyList<MapCountry> Read(string topologyPath, string codesPath)
    {
        using var codesJson = JsonDocument.Parse(File.ReadAllBytes(codesPath));
        // Rows of [alpha-2, alpha-3, numeric, …].
        var byNumber = codesJson.RootElement.EnumerateArray().ToDictionary(r => r[2].GetString()!, r => r[0].GetString()!);
        using var topology = JsonDocument.Parse(File.ReadAllBytes(topologyPath));
        var root = topology.RootElement;
        var (scale, translate) = (root.GetProperty("transform").GetProperty("scale"), root.GetProperty("transform").GetProperty("translate"));
        var (sx, sy, tx, ty) = (scale[0].GetDouble(), scale[1].GetDouble(), translate[0].GetDouble(), translate[1].GetDouble());
        // Each arc's points in degrees: its positions are quantized and each one given as the step from the one before.
        // Thinned once per arc (forwards), so that two countries sharing a border draw the same points of it.
        var arcs = root.GetProperty("arcs").EnumerateArray().Select(arc =>
        {
            var (x, y) = (0L, 0L);
            return Thin([.. arc.EnumerateArray().Select(p => (Lon: (x += p[0].GetInt64()) * sx + tx, Lat: (y += p[1].GetInt64()) * sy + ty))]);
        }).ToArray();

        var countries = new List<MapCountry>();
        foreach (var shape in root.GetProperty("objects").GetProperty("countries").GetProperty("geometries").EnumerateArray())
        {
            var name = shape.GetProperty("properties").GetProperty("name").GetString()!;
            var code = shape.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? byNumber.GetValueOrDefault(id.GetString()!)
                : Unnumbered.GetValueOrDefault(name);
            if (code is null or "AQ") continue;
            var polygons = shape.GetProperty("type").GetString() == "Polygon" ? [shape.GetProperty("arcs")]
                : shape.GetProperty("arcs").EnumerateArray().ToList();
            var path = new StringBuilder();
            foreach (var ring in polygons.SelectMany(p => p.EnumerateArray()))
                Ring(path, ring.EnumerateArray().SelectMany((a, i) => Arc(arcs, a.GetInt32()).Skip(i == 0 ? 0 : 1)));
            if (path.Length > 0) countries.Add(new MapCountry(code, path.ToString()));
        }
        return countries;
    }

    /// <summary>An arc's points in its direction of travel: a negative index (~i) is arc i backwards.</summary>
    private static IEnumerable<(double Lon, double Lat)> Arc((double Lon, double Lat)[][] arcs, int index) =>
        index >= 0 ? arcs[index] : arcs[~index].Reverse();

    /// <summary>An arc's first and last points and those between that lie at least <see cref="Detail"/> from the last kept
    /// (a map a card wide, about two pixels a degree, shows no finer).</summary>
    private static (double Lon, double Lat)[] Thin((double Lon, double Lat)[] points)
    {
        var kept = new List<(double Lon, double Lat)> { points[0] };
        for (var i = 1; i < points.Length - 1; i++)
            if (Math.Abs(points[i].Lon - kept[^1].Lon) + Math.Abs(points[i].Lat - kept[^1].Lat) >= Detail) kept.Add(points[i]);
        if (points.Length > 1) kept.Add(points[^1]);
        return [.. kept];
    }

    /// <summary>In degrees (the map's units).</summary>
    private const double Detail = 0.8;

    /// <summary>
    /// A closed ring as SVG path commands, to a tenth of a unit. A ring that crosses the 180th meridian (Russia's far east,
    /// Fiji) is drawn unbroken past the map's edge, and again a map's width over, so that each side shows its part
    /// (the SVG clips what lies outside).
    /// </summary>
    private static void Ring(StringBuilder path, IEnumerable<(double Lon, double Lat)> points)
    {
        var ring = new List<(double X, double Y)>();
        var shift = 0.0;
        foreach (var (lon, lat) in points)
        {
            if (ring.Count > 0)
            {
                var previous = ring[^1].X - shift - 180;
                if (lon - previous > 180) shift -= 360;
                else if (previous - lon > 180) shift += 360;
            }
            ring.Add((lon + 180 + shift, Math.Clamp(North - lat, 0, Height)));
        }
        if (ring.Count < 3) return;
        Draw(path, ring, 0);
        if (ring.Max(p => p.X) > Width) Draw(path, ring, -Width);
        if (ring.Min(p => p.X) < 0) Draw(path, ring, Width);
    }

    /// <summary>The ring from its first point on in steps (<c>M x,y l dx,dy dx,dy … Z</c>), each to a tenth of a unit
    /// between rounded points, so that no rounding adds up; steps that round to nothing are left out.</summary>
    private static void Draw(StringBuilder path, List<(double X, double Y)> ring, double dx)
    {
        var start = path.Length;
        var (lastX, lastY) = (Tenths(ring[0].X + dx), Tenths(ring[0].Y));
        path.Append(CultureInfo.InvariantCulture, $"M{lastX / 10.0},{lastY / 10.0}l");
        var steps = 0;
        foreach (var (x, y) in ring.Skip(1))
        {
            var (tx, ty) = (Tenths(x + dx), Tenths(y));
            if (tx == lastX && ty == lastY) continue;
            path.Append(CultureInfo.InvariantCulture, $"{(steps++ == 0 ? "" : " ")}{(tx - lastX) / 10.0},{(ty - lastY) / 10.0}");
            (lastX, lastY) = (tx, ty);
        }
        if (steps < 2) path.Length = start;   // an islet smaller than the map shows
        else path.Append('Z');
    }

    private static long Tenths(double value) => (long)Math.Round(value * 10, MidpointRounding.AwayFromZero);
}

/// <param name="Code">ISO 3166 alpha-2.</param>
/// <param name="Path">SVG path data in the map's units.</param>
public sealed record MapCountry(string Code, string Path);
