using Microsoft.AspNetCore.Identity;

namespace LiveAnalytics.Accounts;

/// <summary>
/// <c>operator EMAIL</c> makes the account an operator (<see cref="Operators"/>); <c>operator EMAIL --revoke</c> takes it
/// back; <c>operator --list</c> says who they are. Run on a node with its configuration, as <see cref="PasswordReset"/> is.
/// </summary>
public static class OperatorCommand
{
    public const string Command = "operator", Revoke = "--revoke", List = "--list";

    /// <returns>The process's exit code if <paramref name="args"/> name this command; null to run the server.</returns>
    public static async Task<int?> TryRunOperatorCommandAsync(this WebApplication app, string[] args)
    {
        if (args is not [Command, ..]) return null;
        var list = args is [_, List, ..];
        if (!list && (args is not [_, var email, ..] || email.StartsWith('-')))
        {
            Console.Error.WriteLine($"Usage: {Command} EMAIL [{Revoke}] | {Command} {List} [--key=value ...]");
            return 2;
        }
        await using var scope = app.Services.CreateAsyncScope();
        var operators = scope.ServiceProvider.GetRequiredService<Operators>();
        try
        {
            return list ? await ListAsync(operators, Console.Out)
                : await RunAsync(scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>(), operators, args[1], grant: !args.Contains(Revoke),
                    Console.Out, Console.Error);
        }
        catch (Npgsql.NpgsqlException e)
        {
            Console.Error.WriteLine($"PostgreSQL could not be read (is it running, and has the server run once to create its tables?): {e.Message}");
            return 1;
        }
    }

    internal static async Task<int> ListAsync(Operators operators, TextWriter output)
    {
        var all = await operators.ListAsync();
        if (all.Count == 0) await output.WriteLineAsync($"No account is an operator: make one with `{Command} EMAIL`.");
        foreach (var (email, since) in all) await output.WriteLineAsync($"{email}  (since {since.UtcDateTime:yyyy-MM-dd HH:mm} UTC)");
        return 0;
    }

    internal static async Task<int> RunAsync(UserManager<AppUser> users, Operators operators, string email, bool grant, TextWriter output, TextWriter errors)
    {
        if (await users.FindByEmailAsync(email.Trim()) is not { } user)
        {
            await errors.WriteLineAsync($"No account has the e-mail address {email}.");
            return 1;
        }
        var changed = await operators.SetAsync(user.Id, grant);
        await output.WriteLineAsync((grant, changed) switch
        {
            (true, true) => $"{user.Email} is an operator now: they see the background jobs at /jobs, from Operators:AllowedNetworks.",
            (true, false) => $"{user.Email} was an operator already.",
            (false, true) => $"{user.Email} is no longer an operator.",
            (false, false) => $"{user.Email} was not an operator.",
        });
        return 0;
    }
}
