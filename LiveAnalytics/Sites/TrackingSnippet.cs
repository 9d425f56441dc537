using System.Net;

namespace LiveAnalytics.Sites;

public static class TrackingSnippet
{
    /// <summary>The script tag a merchant pastes into their pages' head, with the tracker's opt-in link clicks.</summary>
    public static string For(string domain, string baseUri, bool outboundLinks = false, bool fileDownloads = false) =>
        $"""<script defer data-domain="{WebUtility.HtmlEncode(domain)}"{(outboundLinks ? " data-outbound-links" : "")}{(fileDownloads ? " data-file-downloads" : "")} src="{WebUtility.HtmlEncode(baseUri.TrimEnd('/'))}/la.js"></script>""";
}
