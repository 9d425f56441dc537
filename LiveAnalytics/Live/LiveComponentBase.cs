using Microsoft.AspNetCore.Components;

namespace LiveAnalytics.Live;

/// <summary>
/// Base of every live widget on the dashboard: subscribes once to its site on the hub,
/// re-renders through a <see cref="RenderCoalescer"/>, and unsubscribes when disposed.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IDisposable
{
    private IDisposable? _subscription;
    private RenderCoalescer? _coalescer;
    private long _subscribedSite;

    [Inject] protected EventHub Hub { get; set; } = default!;
    [Inject] protected TimeProvider Time { get; set; } = default!;

    [Parameter, EditorRequired] public long SiteId { get; set; }

    protected LiveSnapshot Snapshot { get; private set; } = default!;

    protected override void OnParametersSet()
    {
        if (_subscription is null || _subscribedSite != SiteId)
        {
            _subscription?.Dispose();
            _coalescer ??= new RenderCoalescer(Time, RenderCoalescer.DefaultInterval, () => InvokeAsync(StateHasChanged));
            _subscription = Hub.Subscribe(SiteId, _coalescer.Request);
            _subscribedSite = SiteId;
        }
    }

    // The snapshot is taken per render, so a coalesced render always shows the newest numbers.
    protected override bool ShouldRender()
    {
        Snapshot = Hub.Snapshot(SiteId);
        return true;
    }

    protected override void OnInitialized() => Snapshot = Hub.Snapshot(SiteId);

    public void Dispose()
    {
        _subscription?.Dispose();
        _coalescer?.Dispose();
        GC.SuppressFinalize(this);
    }
}
