using System.ComponentModel.DataAnnotations;

namespace LiveAnalytics.Infrastructure;

/// <summary>
/// A form field of plain text: no control characters (a tab, a line break, a NUL, which PostgreSQL refuses in text and
/// which would otherwise end the page's circuit with an error instead of a message).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PlainTextAttribute() : ValidationAttribute("The {0} may not hold control characters.")
{
    public override bool IsValid(object? value) => value is not string text || !text.Any(char.IsControl);
}
