using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Accounts.Email;

/// <summary>
/// Tokens of the address confirmation links: Identity's Data Protection tokens with a purpose and a lifespan of their own
/// (a day, where a password reset's is an hour), so that neither kind of link stands in for the other.
/// </summary>
public sealed class EmailConfirmationTokens(IDataProtectionProvider protection, IOptions<EmailConfirmationTokenOptions> options,
    ILogger<DataProtectorTokenProvider<AppUser>> logger) : DataProtectorTokenProvider<AppUser>(protection, options, logger)
{
    public const string ProviderName = "EmailConfirmation";
}

public sealed class EmailConfirmationTokenOptions : DataProtectionTokenProviderOptions
{
    public EmailConfirmationTokenOptions()
    {
        Name = EmailConfirmationTokens.ProviderName;
        TokenLifespan = EmailConfirmationMail.Lifespan;
    }
}
