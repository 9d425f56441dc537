namespace LiveAnalytics.Demo;

/// <summary>What <c>./run.sh</c> turns on: a demo account on first run, and simulated visitors.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Seed { get; set; }
    public bool Traffic { get; set; }
    public string Email { get; set; } = "demo@liveanalytics.local";
    public string Password { get; set; } = "";
    public string Domain { get; set; } = "demo-shop.example";

    /// <summary>Where the demo's API key is written when it is created: it is shown once and stored hashed.</summary>
    public string? KeyFile { get; set; }
}
