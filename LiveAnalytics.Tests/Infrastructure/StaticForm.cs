using System.Net;
using System.Text.RegularExpressions;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>The account pages' plain forms (server-rendered, no circuit), driven over HTTP.</summary>
public static class StaticForm
{
    /// <summary>Gets the page, then posts its form back with its antiforgery token (the client keeps the cookie); the HTML it ends on.</summary>
    public static async Task<string> SubmitAsync(HttpClient client, string path, string form, Dictionary<string, string> fields)
    {
        using var response = await PostAsync(client, path, form, await TokenAsync(client, path), fields);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The antiforgery token a page's form carries (any page's will do for another form of the same client).</summary>
    public static async Task<string> TokenAsync(HttpClient client, string path)
    {
        var page = await client.GetStringAsync(path);
        var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), $"No antiforgery token on {path}:\n{page}");
        return token;
    }

    /// <summary>Posts a form as the page would, with the given token and fields.</summary>
    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string form, string token, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = token;
        fields["_handler"] = form;
        return client.PostAsync(path, new FormUrlEncodedContent(fields));
    }
}
