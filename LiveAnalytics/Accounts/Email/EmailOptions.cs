using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Accounts.Email;

/// <summary>
/// <c>Email:</c> the SMTP server this app sends its few mails through: password resets, team invitations, weekly
/// reports and traffic alerts. Without a host it sends none: the forgot-password page sends the merchant to the
/// operator (<c>reset-password</c>), colleagues sign up before they are added, and there are no reports or alerts.
/// </summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string Section = "Email";

    public string? SmtpHost { get; set; }
    [Range(1, 65535)] public int SmtpPort { get; set; } = 587;
    /// <summary>Auto (STARTTLS when offered, TLS on connect on port 465), StartTls, SslOnConnect or None.</summary>
    public MailKit.Security.SecureSocketOptions SmtpSecurity { get; set; } = MailKit.Security.SecureSocketOptions.Auto;
    public string? SmtpUsername { get; set; }
    public string? SmtpPassword { get; set; }
    /// <summary>The sender, e.g. <c>LiveAnalytics &lt;analytics@shop.example&gt;</c>.</summary>
    public string? From { get; set; }
    /// <summary>
    /// The address merchants reach the app at, for the links in mails. Configured, not read from the request: a link
    /// built from a request's Host header would send a reset token to whatever host an attacker names.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(SmtpHost);

    public IEnumerable<ValidationResult> Validate(ValidationContext context)
    {
        if (!Enabled) yield break;
        if (string.IsNullOrWhiteSpace(From) || !MimeKit.MailboxAddress.TryParse(From, out _))
            yield return new ValidationResult("Email:From must be a sender such as 'LiveAnalytics <analytics@shop.example>'.", [nameof(From)]);
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            yield return new ValidationResult("Email:PublicBaseUrl must be the app's address, such as https://analytics.shop.example.", [nameof(PublicBaseUrl)]);
    }
}
