namespace LiveAnalytics.Dashboard;

/// <summary>What kind of no a change to what members write for their team got (<see cref="AuthoredRows"/>): the Sites API
/// answers each with its own status, so that rewording a message never changes one.</summary>
public enum RefusalKind
{
    /// <summary>Something in the change is wrong (a name too long, a day out of range): 400.</summary>
    Invalid,
    /// <summary>The user may not make it (not a member, another's row): 403.</summary>
    NotAllowed,
    /// <summary>It clashes with what is there (a taken name, a full site): 409.</summary>
    Conflict,
    /// <summary>The row was removed meanwhile: 404.</summary>
    Gone,
}

/// <summary>A refused change and the words that say why, shown by the form or sent as the API's problem.</summary>
public sealed record Refusal(RefusalKind Kind, string Message)
{
    public static Refusal Invalid(string message) => new(RefusalKind.Invalid, message);
    public static Refusal NotAllowed(string message) => new(RefusalKind.NotAllowed, message);
    public static Refusal Conflict(string message) => new(RefusalKind.Conflict, message);
    public static Refusal Gone(string message) => new(RefusalKind.Gone, message);

    public override string ToString() => Message;
}
