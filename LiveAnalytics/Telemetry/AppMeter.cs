using System.Diagnostics.Metrics;

namespace LiveAnalytics.Telemetry;

/// <summary>
/// The app's own meter. Each feature creates its instruments on it through the host's
/// <see cref="IMeterFactory"/>, so two apps in one process (the tests) keep their counts apart.
/// </summary>
public static class AppMeter
{
    public const string Name = "LiveAnalytics";

    public static Meter Create(IMeterFactory factory) => factory.Create(Name);

    /// <summary>
    /// Registers a feature's singleton that holds instruments. <see cref="TelemetryExtensions.MapTelemetry"/>
    /// creates each at start, so that its gauges show from the first scrape, not from its first use.
    /// </summary>
    public static IServiceCollection AddInstruments<T>(this IServiceCollection services) where T : class
    {
        services.AddSingleton<T>();
        services.AddSingleton(new InstrumentHolder(typeof(T)));
        return services;
    }
}

public sealed record InstrumentHolder(Type Type);
