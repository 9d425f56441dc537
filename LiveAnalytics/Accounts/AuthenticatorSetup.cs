using QRCoder;

namespace LiveAnalytics.Accounts;

/// <summary>What an authenticator app scans or is typed into when two-factor authentication is set up.</summary>
public static class AuthenticatorSetup
{
    public const string Issuer = "LiveAnalytics";
    public const int RecoveryCodeCount = 10;

    /// <summary>The key URI format every authenticator app reads: TOTP, SHA-1, 6 digits, 30 seconds (RFC 6238's defaults).</summary>
    public static string Uri(string email, string key) =>
        $"otpauth://totp/{System.Uri.EscapeDataString(Issuer)}:{System.Uri.EscapeDataString(email)}" +
        $"?secret={key}&issuer={System.Uri.EscapeDataString(Issuer)}&digits=6";

    /// <summary>The URI as a QR code, an SVG drawn on the server (no script, nothing fetched from elsewhere).</summary>
    public static string QrCodeSvg(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        // A viewBox, so the page's CSS sizes it.
        return new SvgQRCode(data).GetGraphic(4, "#000000", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
    }

    /// <summary>For typing it in by hand: lower case, in groups of four.</summary>
    public static string Readable(string key) =>
        string.Join(' ', key.ToLowerInvariant().Chunk(4).Select(c => new string(c)));
}
