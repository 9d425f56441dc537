using Bunit;
using Microsoft.AspNetCore.Components;

namespace LiveAnalytics.Tests.Reports;

/// <summary>What a member does with their alert card on the settings page: types a number (or nothing) and saves it.</summary>
internal static class AlertCards
{
    /// <summary>Saves <paramref name="value"/> ("" for none) and waits for the card to say <paramref name="said"/>.</summary>
    public static void Save<TCard>(IRenderedComponent<TCard> card, string testId, string value, string said) where TCard : IComponent
    {
        card.WaitForElement($"[data-testid={testId}] input").Change(value);
        card.Find($"[data-testid={testId}-save]").Click();
        card.WaitForAssertion(() => Assert.Equal(said, card.Find($"[data-testid={testId}-state]").TextContent.Trim()));
    }
}
