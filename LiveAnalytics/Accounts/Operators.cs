using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LiveAnalytics.Accounts;

/// <summary>
/// The accounts of the people who run the server: besides their own sites, they may open <c>/jobs</c> (the background
/// jobs' dashboard) and act on the jobs there. Granted and taken back only from the server's command line
/// (<see cref="OperatorCommand"/>): whoever runs it can reach the database anyway, and no page can make an operator.
/// </summary>
public sealed class Operators(NpgsqlDataSource db)
{
    /// <summary>The role an operator's sign-in carries, for what the pages show (a link to the jobs). Access itself is
    /// checked against the table on every request (<see cref="OperatorAuthorization"/>), so taking the role back takes
    /// effect at once rather than at the sign-in's next check.</summary>
    public const string Role = "operator";

    public async Task<bool> IsOperatorAsync(Guid userId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM operators WHERE user_id = @userId)", new { userId }, cancellationToken: ct));
    }

    /// <summary>Every operator's address and since when, oldest first.</summary>
    public async Task<IReadOnlyList<(string Email, DateTimeOffset Since)>> ListAsync()
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<(string, DateTimeOffset)>(
            "SELECT u.email, o.granted_at FROM operators o JOIN users u ON u.id = o.user_id ORDER BY o.granted_at, u.email")).AsList();
    }

    /// <returns>Whether the account was changed (false: it already was as asked).</returns>
    public async Task<bool> SetAsync(Guid userId, bool isOperator)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteAsync(isOperator
            ? "INSERT INTO operators (user_id) VALUES (@userId) ON CONFLICT DO NOTHING"
            : "DELETE FROM operators WHERE user_id = @userId", new { userId }) > 0;
    }
}

/// <summary>Adds <see cref="Operators.Role"/> to an operator's sign-in (also when the sign-in is checked again, every
/// <c>Accounts:SessionCheckSeconds</c>).</summary>
public sealed class OperatorClaims(UserManager<AppUser> users, IOptions<IdentityOptions> options, Operators operators)
    : UserClaimsPrincipalFactory<AppUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (await operators.IsOperatorAsync(user.Id)) identity.AddClaim(new Claim(ClaimTypes.Role, Operators.Role));
        return identity;
    }
}
