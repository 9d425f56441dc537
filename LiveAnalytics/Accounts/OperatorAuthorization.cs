using LiveAnalytics.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace LiveAnalytics.Accounts;

/// <summary>
/// The <see cref="Policy"/> of the operator's pages: a request from <c>Operators:AllowedNetworks</c> (the network as
/// before, so that a stolen password alone does not open them from anywhere), signed in with an operator's account.
/// Anyone else from those networks is asked to sign in; everyone else, and a signed-in merchant who is no operator, is
/// refused with a 403 that says why (not sent to a login page that could not help).
/// </summary>
public sealed class OperatorAuthorization(OperatorNetworks networks, Operators operators)
    : AuthorizationHandler<OperatorAuthorization.Requirement>, IAuthorizationMiddlewareResultHandler
{
    public const string Policy = "operator";

    public sealed class Requirement : IAuthorizationRequirement;

    private const string NotAnOperator = "not an operator";

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, Requirement requirement)
    {
        if (context.Resource is not HttpContext http) { context.Fail(); return; }
        if (!networks.Allows(http)) { context.Fail(); return; }
        // Not signed in: no verdict, so that the middleware asks for a sign-in (the login page, back here after).
        if (context.User.Identity?.IsAuthenticated != true) return;
        if (await operators.IsOperatorAsync(context.User.UserId(), http.RequestAborted)) context.Succeed(requirement);
        else context.Fail(new AuthorizationFailureReason(this, NotAnOperator));
    }

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded || !policy.Requirements.OfType<Requirement>().Any()) return _default.HandleAsync(next, context, policy, result);
        // Checked here too: a request not signed in gets no failure reasons, only a challenge.
        if (!networks.Allows(context)) return OperatorNetworks.RefuseAsync(context, "The operator's pages");
        if (result.AuthorizationFailure?.FailureReasons.Any(r => r.Handler is OperatorAuthorization && r.Message == NotAnOperator) == true)
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only operators may see the operator's pages.",
                detail: $"Your account is no operator's. Whoever runs the server can make it one: `{OperatorCommand.Command} EMAIL` (README, Operate).")
                .ExecuteAsync(context);
        return _default.HandleAsync(next, context, policy, result);
    }
}
