using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using LiveAnalytics.Accounts;

namespace LiveAnalytics.Tests.Infrastructure;

public static class ComponentSignIn
{
    /// <summary>Signs the user in for the components this context renders: the claim the app reads their id from.</summary>
    public static BunitAuthorizationContext SignIn(this BunitContext ctx, AppUser user)
    {
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized(user.Email!);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        return auth;
    }
}
