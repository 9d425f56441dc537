using System.Diagnostics.Metrics;
using LiveAnalytics.Telemetry;

namespace LiveAnalytics.Widgets;

/// <summary>Widget viewers this node serves: the fan-out a storefront's traffic puts on it.</summary>
public sealed class WidgetMetrics
{
    public WidgetMetrics(IMeterFactory meters, WidgetHub widgets) =>
        AppMeter.Create(meters).CreateObservableGauge("liveanalytics.widget.viewers", () => widgets.Viewers, "{connection}",
            "Embedded widgets (iframes) connected to this node for live updates.");
}
