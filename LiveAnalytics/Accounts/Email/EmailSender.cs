using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace LiveAnalytics.Accounts.Email;

/// <summary>Plain-text mails through the configured SMTP server (MailKit), one connection a mail: they are few.</summary>
public sealed class EmailSender(IOptions<EmailOptions> options)
{
    public bool Enabled => options.Value.Enabled;

    /// <exception cref="InvalidOperationException">No SMTP server is configured.</exception>
    public async Task SendAsync(string to, string subject, string text, CancellationToken ct = default)
    {
        var o = options.Value;
        if (!o.Enabled) throw new InvalidOperationException("No SMTP server is configured (Email:SmtpHost).");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(o.From!));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = text };

        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync(o.SmtpHost!, o.SmtpPort, o.SmtpSecurity, ct);
        if (!string.IsNullOrEmpty(o.SmtpUsername)) await client.AuthenticateAsync(o.SmtpUsername, o.SmtpPassword ?? "", ct);
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}
