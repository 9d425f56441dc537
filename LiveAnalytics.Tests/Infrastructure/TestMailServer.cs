using System.Text.RegularExpressions;
using netDumbster.smtp;

namespace LiveAnalytics.Tests.Infrastructure;

/// <summary>A fake SMTP server in the test process (netDumbster), and the app settings that send mail through it.</summary>
public sealed class TestMailServer : IDisposable
{
    public const string PublicBaseUrl = "https://analytics.shop.example";
    private readonly SimpleSmtpServer _smtp = SimpleSmtpServer.Start();

    public Dictionary<string, string?> Settings => new()
    {
        ["Email:SmtpHost"] = "127.0.0.1", ["Email:SmtpPort"] = _smtp.Configuration.Port.ToString(), ["Email:SmtpSecurity"] = "None",
        ["Email:From"] = "LiveAnalytics <analytics@shop.example>", ["Email:PublicBaseUrl"] = PublicBaseUrl,
    };

    public IReadOnlyList<SmtpMessage> Received => _smtp.ReceivedEmail;

    /// <summary>The path and query of the one link to this app the mail holds.</summary>
    public static string LinkIn(SmtpMessage mail, string path)
    {
        var link = Regex.Match(mail.MessageParts[0].BodyData, $@"{Regex.Escape(PublicBaseUrl)}({Regex.Escape(path)}\?\S+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(link), $"No link to {path} in:\n{mail.MessageParts[0].BodyData}");
        return link;
    }

    public void Dispose() => _smtp.Stop();
}
