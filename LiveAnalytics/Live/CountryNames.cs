using System.Globalization;

namespace LiveAnalytics.Live;

public static class CountryNames
{
    /// <summary>"Germany (DE)" for an ISO code .NET knows; the value itself otherwise ("Unknown").</summary>
    public static string Of(string code)
    {
        if (code.Length != 2) return code;
        try
        {
            return $"{new RegionInfo(code).EnglishName} ({code})";
        }
        catch (ArgumentException)
        {
            return code;
        }
    }
}
