using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>Requests to the app's JSON APIs with an API key, and what they answer.</summary>
public static class ApiClient
{
    /// <summary>A client of the app that sends <paramref name="key"/> as its bearer token.</summary>
    public static HttpClient For(AppFactory app, string key)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>The answer's status and JSON body (default when it has none).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string url, string? json = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>A problem+json answer's detail.</summary>
    public static string Detail(JsonElement problem) => problem.GetProperty("detail").GetString()!;
}
