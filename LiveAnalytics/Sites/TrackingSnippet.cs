using System.Net;

namespace LiveAnalytics.Sites;

public static class TrackingSnippet
{
    /// <summary>The script tag a merchant pastes into their pages' head, with the tracker's opt-in link clicks and hash routing.</summary>
    public static string For(string domain, string baseUri, bool outboundLinks = false, bool fileDownloads = false, bool hashRouting = false) =>
        $"""<script defer data-domain="{WebUtility.HtmlEncode(domain)}"{(outboundLinks ? " data-outbound-links" : "")}{(fileDownloads ? " data-file-downloads" : "")}{(hashRouting ? " data-hash" : "")} src="{WebUtility.HtmlEncode(baseUri.TrimEnd('/'))}/la.js"></script>""";
}
