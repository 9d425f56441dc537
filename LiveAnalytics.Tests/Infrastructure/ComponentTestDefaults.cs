using System.Runtime.CompilerServices;
using Bunit;

namespace LiveAnalytics.Tests.Infrastructure;

internal static class ComponentTestDefaults
{
    /// <summary>
    /// bUnit's waits give up after 1 s by default. Many component tests wait for what a real database call
    /// (PostgreSQL, Hangfire's storage) renders, and in a full run on two busy cores one such wait once saw a
    /// single render in its second (RollupBackfillTests). A wait returns as soon as its condition holds, so a
    /// longer bound costs only the failures, as the browser tests' 15 s does.
    /// </summary>
    [ModuleInitializer]
    internal static void Initialize() => BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(15);
}
