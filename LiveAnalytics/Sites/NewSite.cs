using System.ComponentModel.DataAnnotations;
using LiveAnalytics.Ingestion;

namespace LiveAnalytics.Sites;

/// <summary>The add-site form; <see cref="Validate"/> also guards callers that skip the form.</summary>
public sealed class NewSite : IValidatableObject
{
    [Required(ErrorMessage = "Enter the site's domain, e.g. shop.example.com.")]
    [StringLength(SiteDomain.MaxLength)]
    public string Domain { get; set; } = "";

    [Required(ErrorMessage = "Give the site a name.")]
    [StringLength(100)]
    public string Name { get; set; } = "";

    [Required]
    public string Timezone { get; set; } = "UTC";

    public IEnumerable<ValidationResult> Validate(ValidationContext context)
    {
        if (!SiteDomain.IsValid(SiteDomain.Normalize(Domain)))
            yield return new ValidationResult("That is not a domain: use the host name only, e.g. shop.example.com.", [nameof(Domain)]);
        if (Name.Any(char.IsControl))
            yield return new ValidationResult("The name may not hold control characters.", [nameof(Name)]);
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(Timezone, out _))
            yield return new ValidationResult($"Unknown time zone '{Timezone}'.", [nameof(Timezone)]);
    }
}
