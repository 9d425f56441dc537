using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace LiveAnalytics.Accounts.Email;

/// <summary>Plain-text mails through the configured SMTP server (MailKit), one connection a mail: they are few.</summary>
public sealed partial class EmailSender(IOptions<EmailOptions> options, ILogger<EmailSender> logger)
{
    public bool Enabled => options.Value.Enabled;

    /// <summary>A link into the app for a mail, on its configured public address (never a request's Host).</summary>
    public string Link(string pathAndQuery) => options.Value.PublicBaseUrl!.TrimEnd('/') + pathAndQuery;

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

    /// <summary>
    /// For jobs mailing many members: whatever the SMTP server answers for one mailbox (refused, unreachable), it is
    /// logged and the job goes on with the next; false tells the caller to try this one at its next run.
    /// </summary>
    public async Task<bool> TrySendAsync(string to, string subject, string text, CancellationToken ct)
    {
        try
        {
            await SendAsync(to, subject, text, ct);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotSent(e, to, subject);
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "The mail \"{Subject}\" to {To} could not be sent; its job tries again at its next run")]
    private partial void LogNotSent(Exception e, string to, string subject);
}
