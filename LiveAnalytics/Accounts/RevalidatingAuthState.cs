using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LiveAnalytics.Accounts;

/// <summary>
/// An open page's live connection (its circuit) outlives the request that signed it in, so the cookie's own checks
/// never see it again: this one compares the account's security stamp every <see cref="AccountsOptions.SessionCheckSeconds"/>,
/// and a page of a session whose password changed since leaves for the login page.
/// </summary>
internal sealed class RevalidatingAuthState(ILoggerFactory logs, IServiceScopeFactory scopes, IOptions<IdentityOptions> identity,
    IOptions<AccountsOptions> options) : RevalidatingServerAuthenticationStateProvider(logs)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(Math.Max(1, options.Value.SessionCheckSeconds));

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        if (await users.GetUserAsync(state.User) is not { } user) return false;
        if (!users.SupportsUserSecurityStamp) return true;
        var stamp = state.User.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        return stamp == await users.GetSecurityStampAsync(user);
    }
}
