using System.Net;
using System.Text.RegularExpressions;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>The account pages' plain forms (server-rendered, no circuit), driven over HTTP.</summary>
public static class StaticForm
{
    /// <summary>Gets the page, then posts its form back with its antiforgery token (the client keeps the cookie); the HTML it ends on.</summary>
    public static async Task<string> SubmitAsync(HttpClient client, string path, string form, Dictionary<string, string> fields)
    {
        var page = await client.GetStringAsync(path);
        var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), $"No antiforgery token on {path}:\n{page}");
        fields["__RequestVerificationToken"] = token;
        fields["_handler"] = form;
        using var response = await client.PostAsync(path, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }
}
