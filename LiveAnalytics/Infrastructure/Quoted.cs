namespace LiveAnalytics.Infrastructure;

public static class Quoted
{
    /// <summary>
    /// A value from outside as an error message quotes it: at most <paramref name="max"/> characters, then "…", so a
    /// 10,000-character value does not become a 10,000-character message.
    /// </summary>
    public static string Clip(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
