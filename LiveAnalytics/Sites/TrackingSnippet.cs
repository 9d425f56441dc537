using System.Net;

namespace LiveAnalytics.Sites;

public static class TrackingSnippet
{
    /// <summary>The script tag a merchant pastes into their pages' head.</summary>
    public static string For(string domain, string baseUri) =>
        $"""<script defer data-domain="{WebUtility.HtmlEncode(domain)}" src="{WebUtility.HtmlEncode(baseUri.TrimEnd('/'))}/la.js"></script>""";
}
