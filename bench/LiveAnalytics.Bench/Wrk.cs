using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveAnalytics.Bench;

/// <summary>What one wrk run reports.</summary>
public sealed record WrkResult(long Requests, long Non2xx, double RequestsPerSecond, double P50Ms, double P99Ms)
{
    public long Accepted => Requests - Non2xx;
}

/// <summary>Runs wrk with a Lua script of varied, realistic beacons and reads its report.</summary>
public static partial class Wrk
{
    /// <param name="engagement">The share of the beacons that are engagement reports (0 to 1).</param>
    public static async Task<WrkResult> RunAsync(string url, string path, string domain, int seconds, int connections, int threads, double engagement = 0)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "beacons.lua");
        var start = new ProcessStartInfo("wrk", ["-t", threads.ToString(), "-c", connections.ToString(), "-d", $"{seconds}s",
            "--latency", "-s", script, url + path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["LA_DOMAIN"] = domain, ["LA_ENGAGEMENT"] = engagement.ToString(CultureInfo.InvariantCulture) },
        };
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start: apt-get install wrk");
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        if (wrk.ExitCode != 0) throw new InvalidOperationException($"wrk failed: {await wrk.StandardError.ReadToEndAsync()}\n{output}");
        return Parse(output);
    }

    internal static WrkResult Parse(string output)
    {
        long requests = long.Parse(RequestsLine().Match(output).Groups[1].Value);
        var non2xx = Non2xxLine().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value) : 0;
        var rps = double.Parse(RpsLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        return new WrkResult(requests, non2xx, rps, Percentile(output, "50%"), Percentile(output, "99%"));
    }

    private static double Percentile(string output, string label)
    {
        var m = Regex.Match(output, $@"^\s+{Regex.Escape(label)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => value / 1000, "ms" => value, _ => value * 1000 };
    }

    [GeneratedRegex(@"(\d+) requests in")] private static partial Regex RequestsLine();
    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")] private static partial Regex Non2xxLine();
    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")] private static partial Regex RpsLine();
}
