namespace LiveAnalytics.Reports;

/// <summary><c>Webhooks:</c> where sites' webhooks may post.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Also to this machine and private networks (an intranet chat server), and over plain http. Off: a site's owner could
    /// otherwise make the server post to what only it can reach (its database, a cloud's metadata address).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }
}
