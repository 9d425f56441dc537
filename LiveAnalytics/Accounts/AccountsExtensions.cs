using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using LiveAnalytics.Accounts.Email;
using LiveAnalytics.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using StackExchange.Redis;

namespace LiveAnalytics.Accounts;

public static class AccountsExtensions
{
    public const string LoginPath = "/account/login";

    /// <summary>How long a browser ticked "don't ask again" skips the second factor at login.</summary>
    public static readonly TimeSpan RememberBrowserFor = TimeSpan.FromDays(30);

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountsOptions>()
            .Bind(builder.Configuration.GetSection(AccountsOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<AuthenticationStateProvider, RevalidatingAuthState>();
        // A changed password changes the account's security stamp: cookies issued before it stop working at their next check.
        builder.Services.AddOptions<SecurityStampValidatorOptions>().Configure<IOptions<AccountsOptions>>((o, accounts) =>
            o.ValidationInterval = TimeSpan.FromSeconds(accounts.Value.SessionCheckSeconds));
        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = LoginPath;
            o.LogoutPath = "/account/logout";
            o.Cookie.Name = "la_auth";
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            o.SlidingExpiration = true;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.TwoFactorRememberMeScheme, o =>
        {
            o.Cookie.Name = "la_2fa_remember";
            o.ExpireTimeSpan = RememberBrowserFor;
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(OperatorAuthorization.Policy, p => p.AddRequirements(new OperatorAuthorization.Requirement()));
        builder.Services.AddSingleton<Operators>();
        builder.Services.AddSingleton<OperatorAuthorization>();
        builder.Services.AddSingleton<IAuthorizationHandler>(sp => sp.GetRequiredService<OperatorAuthorization>());
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler>(sp => sp.GetRequiredService<OperatorAuthorization>());
        builder.Services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                // Length, not composition rules (NIST SP 800-63B).
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.Tokens.EmailConfirmationTokenProvider = EmailConfirmationTokens.ProviderName;
                o.Tokens.ChangeEmailTokenProvider = EmailConfirmationTokens.ProviderName;
            })
            .AddUserStore<UserStore>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<OperatorClaims>()
            // Password reset links, and the authenticator app as the only second factor (no SMS, no mailed codes).
            .AddTokenProvider<DataProtectorTokenProvider<AppUser>>(TokenOptions.DefaultProvider)
            .AddTokenProvider<OneUseAuthenticatorCodes>(TokenOptions.DefaultAuthenticatorProvider)
            .AddTokenProvider<EmailConfirmationTokens>(EmailConfirmationTokens.ProviderName);
        builder.Services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = PasswordResetMail.Lifespan);
        // Where the server sends mail, an account signs in once its address is confirmed (EmailConfirmationMail).
        builder.Services.AddOptions<IdentityOptions>().Configure<IOptions<EmailOptions>>((o, mail) => o.SignIn.RequireConfirmedEmail = mail.Value.Enabled);
        builder.Services.AddOptions<EmailOptions>()
            .Bind(builder.Configuration.GetSection(EmailOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<EmailSender>();
        builder.Services.AddSingleton<OneMailAMinute>();
        builder.Services.AddScoped<PasswordResetMail>();
        builder.Services.AddScoped<EmailConfirmationMail>();
        builder.Services.AddScoped<EmailChangeMail>();
        builder.Services.AddSingleton<Registration>();
        builder.Services.AddSingleton<AccountDeletion>();

        // Every node must read every node's login cookie, so the keys that protect it live in Redis.
        var protection = builder.Services.AddDataProtection().SetApplicationName("LiveAnalytics");
        // Anyone who reads Redis could otherwise forge any login cookie with the keys kept there: with a certificate
        // configured (the same on every node), the keys are stored encrypted with it.
        if (builder.Configuration["DataProtection:CertificatePath"] is { Length: > 0 } certificate)
            protection.ProtectKeysWithCertificate(LoadCertificate(certificate, builder.Configuration["DataProtection:CertificatePassword"]));
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IConnectionMultiplexer, IOptions<RedisOptions>>((o, redis, redisOptions) =>
                o.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), $"{redisOptions.Value.KeyPrefix}:dataprotection-keys"));
        return builder;
    }

    private static X509Certificate2 LoadCertificate(string path, string? password)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"DataProtection:CertificatePath names {path}, which does not exist.");
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        return certificate.HasPrivateKey ? certificate
            : throw new InvalidOperationException($"The certificate in {path} has no private key: the keys could be encrypted, never read back.");
    }

    public static WebApplication MapAccounts(this WebApplication app)
    {
        app.UseAccountFormLimits();
        app.MapPost("/account/logout", async (SignInManager<AppUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect(LoginPath);
        });
        return app;
    }

    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)
                   ?? throw new InvalidOperationException("The user is not signed in."));

    /// <summary>Only same-site paths, so a crafted link cannot send a fresh login elsewhere.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl[0] == '/' && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\")
            ? returnUrl
            : "/sites";
}
