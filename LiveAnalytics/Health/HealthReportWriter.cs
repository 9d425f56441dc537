using System.Text.Json;
using LiveAnalytics.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LiveAnalytics.Health;

/// <summary>
/// The health report as JSON: overall status and, for clients in <c>Operators:AllowedNetworks</c> (load balancers and
/// monitors run there) or sending the monitor token, each check's status, description and figures. Anyone else (a public uptime monitor) gets the
/// status alone: the backlog and the rollups' figures tell the stores' traffic. Exception messages stay in the log.
/// </summary>
internal static class HealthReportWriter
{
    public static async Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        // Over the body's pipe, not its stream: the serializer flushes as it goes, and the stream's flush is synchronous.
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        if (http.RequestServices.GetRequiredService<OperatorNetworks>().AllowsMonitor(http)) WriteChecks(json, report);
        json.WriteEndObject();
        await json.FlushAsync(http.RequestAborted);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }

    private static void WriteChecks(Utf8JsonWriter json, HealthReport report)
    {
        json.WriteStartArray("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description ?? (entry.Exception is null ? null : "The check failed; the log says why."));
            json.WriteNumber("ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
            foreach (var (key, value) in entry.Data)
            {
                json.WritePropertyName(key);
                JsonSerializer.Serialize(json, value);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
