using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace LiveAnalytics.Accounts;

/// <summary>
/// ASP.NET Core Identity's user store over Dapper: the email is the user name. Identity does the
/// password hashing, lockout and security stamps; this class only loads and saves rows.
/// </summary>
public sealed partial class UserStore(NpgsqlDataSource db, IDataProtectionProvider protection, ILogger<UserStore> logger) :
    IUserPasswordStore<AppUser>, IUserEmailStore<AppUser>, IUserSecurityStampStore<AppUser>, IUserLockoutStore<AppUser>
{
    private const string Columns = """
        id AS Id, email AS Email, normalized_email AS NormalizedEmail, email_confirmed AS EmailConfirmed, password_hash AS PasswordHash,
        security_stamp AS SecurityStamp, concurrency_stamp AS ConcurrencyStamp, lockout_end AS LockoutEnd,
        lockout_enabled AS LockoutEnabled, access_failed_count AS AccessFailedCount,
        two_factor_enabled AS TwoFactorEnabled, authenticator_key AS AuthenticatorKey, recovery_codes AS RecoveryCodes,
        authenticator_last_step AS AuthenticatorLastStep
        """;

    public async Task<IdentityResult> CreateAsync(AppUser user, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        try
        {
            await conn.ExecuteAsync("""
                INSERT INTO users (id, email, normalized_email, email_confirmed, password_hash, security_stamp, concurrency_stamp,
                                   lockout_end, lockout_enabled, access_failed_count)
                VALUES (@Id, @Email, @NormalizedEmail, @EmailConfirmed, @PasswordHash, @SecurityStamp, @ConcurrencyStamp,
                        @LockoutEnd, @LockoutEnabled, @AccessFailedCount)
                """, user);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return IdentityResult.Failed(new IdentityErrorDescriber().DuplicateEmail(user.Email));
        }
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> UpdateAsync(AppUser user, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var previousStamp = user.ConcurrencyStamp;
        user.ConcurrencyStamp = Guid.NewGuid().ToString();
        int rows;
        // An address another account took between Identity's check and this update: its duplicate error, not a 500.
        try
        {
            rows = await conn.ExecuteAsync("""
                UPDATE users SET email = @Email, normalized_email = @NormalizedEmail, email_confirmed = @EmailConfirmed, password_hash = @PasswordHash,
                       security_stamp = @SecurityStamp, concurrency_stamp = @ConcurrencyStamp, lockout_end = @LockoutEnd,
                       lockout_enabled = @LockoutEnabled, access_failed_count = @AccessFailedCount,
                       two_factor_enabled = @TwoFactorEnabled, authenticator_key = @AuthenticatorKey, recovery_codes = @RecoveryCodes,
                       authenticator_last_step = @AuthenticatorLastStep
                WHERE id = @Id AND concurrency_stamp IS NOT DISTINCT FROM @previousStamp
                """, new { user.Email, user.NormalizedEmail, user.EmailConfirmed, user.PasswordHash, user.SecurityStamp, user.ConcurrencyStamp,
                           user.LockoutEnd, user.LockoutEnabled, user.AccessFailedCount, user.TwoFactorEnabled, user.AuthenticatorKey,
                           user.RecoveryCodes, user.AuthenticatorLastStep, user.Id, previousStamp });
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            user.ConcurrencyStamp = previousStamp;
            return IdentityResult.Failed(new IdentityErrorDescriber().DuplicateEmail(user.Email));
        }
        return rows == 1 ? IdentityResult.Success : IdentityResult.Failed(new IdentityErrorDescriber().ConcurrencyFailure());
    }

    public async Task<IdentityResult> DeleteAsync(AppUser user, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync("DELETE FROM users WHERE id = @Id", new { user.Id });
        return IdentityResult.Success;
    }

    public async Task<AppUser?> FindByIdAsync(string userId, CancellationToken ct)
    {
        if (!Guid.TryParse(userId, out var id)) return null;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<AppUser>($"SELECT {Columns} FROM users WHERE id = @id", new { id });
    }

    public Task<AppUser?> FindByNameAsync(string normalizedUserName, CancellationToken ct) => FindByEmailAsync(normalizedUserName, ct);

    public async Task<AppUser?> FindByEmailAsync(string normalizedEmail, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<AppUser>(
            $"SELECT {Columns} FROM users WHERE normalized_email = @normalizedEmail", new { normalizedEmail });
    }

    public Task<string> GetUserIdAsync(AppUser user, CancellationToken ct) => Task.FromResult(user.Id.ToString());
    public Task<string?> GetUserNameAsync(AppUser user, CancellationToken ct) => Task.FromResult<string?>(user.Email);
    public Task SetUserNameAsync(AppUser user, string? userName, CancellationToken ct) { user.Email = userName ?? ""; return Task.CompletedTask; }
    public Task<string?> GetNormalizedUserNameAsync(AppUser user, CancellationToken ct) => Task.FromResult<string?>(user.NormalizedEmail);
    public Task SetNormalizedUserNameAsync(AppUser user, string? name, CancellationToken ct) { user.NormalizedEmail = name ?? ""; return Task.CompletedTask; }

    public Task SetEmailAsync(AppUser user, string? email, CancellationToken ct) { user.Email = email ?? ""; return Task.CompletedTask; }
    public Task<string?> GetEmailAsync(AppUser user, CancellationToken ct) => Task.FromResult<string?>(user.Email);
    public Task<bool> GetEmailConfirmedAsync(AppUser user, CancellationToken ct) => Task.FromResult(user.EmailConfirmed);
    public Task SetEmailConfirmedAsync(AppUser user, bool confirmed, CancellationToken ct) { user.EmailConfirmed = confirmed; return Task.CompletedTask; }
    public Task<string?> GetNormalizedEmailAsync(AppUser user, CancellationToken ct) => Task.FromResult<string?>(user.NormalizedEmail);
    public Task SetNormalizedEmailAsync(AppUser user, string? email, CancellationToken ct) { user.NormalizedEmail = email ?? ""; return Task.CompletedTask; }

    public Task SetPasswordHashAsync(AppUser user, string? hash, CancellationToken ct) { user.PasswordHash = hash; return Task.CompletedTask; }
    public Task<string?> GetPasswordHashAsync(AppUser user, CancellationToken ct) => Task.FromResult(user.PasswordHash);
    public Task<bool> HasPasswordAsync(AppUser user, CancellationToken ct) => Task.FromResult(user.PasswordHash is not null);

    public Task SetSecurityStampAsync(AppUser user, string stamp, CancellationToken ct) { user.SecurityStamp = stamp; return Task.CompletedTask; }
    public Task<string?> GetSecurityStampAsync(AppUser user, CancellationToken ct) => Task.FromResult(user.SecurityStamp);

    public Task<DateTimeOffset?> GetLockoutEndDateAsync(AppUser user, CancellationToken ct) => Task.FromResult(user.LockoutEnd);
    public Task SetLockoutEndDateAsync(AppUser user, DateTimeOffset? end, CancellationToken ct) { user.LockoutEnd = end; return Task.CompletedTask; }
    public Task<int> IncrementAccessFailedCountAsync(AppUser user, CancellationToken ct) => Task.FromResult(++user.AccessFailedCount);
    public Task ResetAccessFailedCountAsync(AppUser user, CancellationToken ct) { user.AccessFailedCount = 0; return Task.CompletedTask; }
    public Task<int> GetAccessFailedCountAsync(AppUser user, CancellationToken ct) => Task.FromResult(user.AccessFailedCount);
    public Task<bool> GetLockoutEnabledAsync(AppUser user, CancellationToken ct) => Task.FromResult(user.LockoutEnabled);
    public Task SetLockoutEnabledAsync(AppUser user, bool enabled, CancellationToken ct) { user.LockoutEnabled = enabled; return Task.CompletedTask; }

    public void Dispose() { }
}
