using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Reports;

/// <summary>
/// Posts a message to a webhook as JSON: <c>text</c>, which Slack, Mattermost, Rocket.Chat and Teams show as it is
/// (Discord through its Slack-compatible address, the webhook's address with <c>/slack</c> added), and the same facts as
/// fields for any other receiver. The address is checked where it is entered and again where it is connected to: a
/// name may resolve elsewhere later, so the connection goes only to a public address it resolves to (unless
/// <see cref="WebhookOptions.AllowPrivateNetworks"/>). No redirects, no proxy, 10 seconds in all.
/// </summary>
public sealed class WebhookSender
{
    public const int MaxUrlLength = 2000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;
    private readonly bool _allowPrivate;

    public WebhookSender(IOptions<WebhookOptions> options)
    {
        _allowPrivate = options.Value.AllowPrivateNetworks;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),   // a changed DNS record is followed
            ConnectCallback = ConnectAsync,
        }) { Timeout = Timeout };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("LiveAnalytics-Webhook/1.0");
    }

    /// <returns>What is wrong with <paramref name="url"/> as a webhook's address, or null when it may be used.</returns>
    public string? Check(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return "Enter the webhook's address, e.g. https://hooks.slack.com/services/….";
        if (url.Length > MaxUrlLength) return $"The address is longer than {MaxUrlLength} characters.";
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            return "The address must be a whole https:// address, as the chat's webhook settings give it.";
        if (uri.Scheme == "http" && !_allowPrivate) return "The address must start with https://: the messages would cross the internet in clear.";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "The address must not carry a user name or password before the host.";
        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var ip) && !Allowed(ip))
            return "The address is on this machine or a private network, which this server does not post to.";
        if (!_allowPrivate && uri.IsLoopback) return "The address is on this machine, which this server does not post to.";
        return null;
    }

    /// <summary>What the settings show of an address: its scheme, host and, of a longer path, the first segment (the rest,
    /// or a single segment, may be the secret); the query never.</summary>
    public static string Hint(string url)
    {
        var uri = new Uri(url.Trim());
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return $"{uri.Scheme}://{uri.Authority}/{(segments.Length > 1 ? segments[0] + "/" : "")}…";
    }

    /// <returns>Null when the receiver took it (2xx), otherwise what went wrong, for the settings to show.</returns>
    public async Task<string?> PostAsync(string url, WebhookMessage message, CancellationToken ct) =>
        Check(url) is { } invalid ? invalid : await SendAsync(url, message, ct);

    /// <summary>The post itself, with the connection's own check of where the address leads.</summary>
    internal async Task<string?> SendAsync(string url, WebhookMessage message, CancellationToken ct)
    {
        try
        {
            using var response = await _http.PostAsJsonAsync(url.Trim(), message, Json, ct);
            return response.IsSuccessStatusCode ? null
                : $"The receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"The receiver did not answer within {Timeout.TotalSeconds:0} seconds.";
        }
        catch (HttpRequestException e)
        {
            return $"The receiver could not be reached: {e.InnerException?.Message ?? e.Message}";
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = addresses.Where(Allowed).ToArray();
        if (allowed.Length == 0)
            throw new HttpRequestException($"{host} resolves to no public address ({string.Join(", ", addresses.Select(a => a.ToString()))}).");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private bool Allowed(IPAddress ip) => _allowPrivate || IsPublic(ip);

    // Loopback, private, shared (CGNAT), link-local (a cloud's metadata service), documentation, benchmark, multicast and
    // reserved ranges, in both families (IPv4 mapped into IPv6 as IPv4).
    private static readonly IPNetwork[] NotPublic = ((string[])
    [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
        "::/127", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
    ]).Select(n => IPNetwork.Parse(n)).ToArray();

    internal static bool IsPublic(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return !NotPublic.Any(n => n.Contains(ip));
    }
}

/// <summary>What a webhook receives. <paramref name="Text"/> is the chat's message; the rest the same facts as fields.</summary>
/// <param name="Event">traffic, silence, weekly or test.</param>
public sealed record WebhookMessage(string Text, string Event, string Site, int? VisitorsOnline = null, int? QuietHours = null, string? Link = null,
    long? Visitors = null, long? Pageviews = null);
