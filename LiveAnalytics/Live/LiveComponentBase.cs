using Microsoft.AspNetCore.Components;

namespace LiveAnalytics.Live;

/// <summary>
/// Base of every live card on the dashboard: subscribes once to its site on the hub, re-renders
/// through a <see cref="RenderCoalescer"/> (at most 10 renders a second), and only when what it
/// shows changed: each card names its part of the snapshot in <see cref="RenderKey"/>, so a new
/// event on another page does not redraw the visitor counter. Unsubscribes when disposed.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IDisposable
{
    private IDisposable? _subscription;
    private RenderCoalescer? _coalescer;
    private long _subscribedSite;
    private object? _renderedKey;
    private bool _liveUpdate;

    [Inject] protected EventHub Hub { get; set; } = default!;
    [Inject] protected TimeProvider Time { get; set; } = default!;

    [Parameter, EditorRequired] public long SiteId { get; set; }

    /// <summary>The site's time zone for clock times; UTC where no page gives one.</summary>
    [CascadingParameter] public LiveClock? SiteZone { get; set; }

    protected LiveSnapshot Snapshot { get; private set; } = default!;

    /// <summary>When what this card shows last changed: its freshness, shown next to its window.</summary>
    protected DateTimeOffset ChangedAt { get; private set; }

    /// <summary>What this card shows, as a value compared with <see cref="object.Equals(object?, object?)"/>.</summary>
    protected abstract object RenderKey(LiveSnapshot snapshot);

    protected override void OnParametersSet()
    {
        if (_subscription is null || _subscribedSite != SiteId)
        {
            _subscription?.Dispose();
            _coalescer ??= new RenderCoalescer(Time, RenderCoalescer.DefaultInterval, () => InvokeAsync(RenderLive));
            _subscription = Hub.Subscribe(SiteId, _ => _coalescer.Request());
            _subscribedSite = SiteId;
        }
        Take(Hub.Snapshot(SiteId));
    }

    private void RenderLive()
    {
        _liveUpdate = true;
        StateHasChanged();
    }

    // The snapshot is taken per render, so a coalesced render always shows the newest numbers.
    // Renders the card asked for itself (a click, new parameters) always go ahead.
    protected override bool ShouldRender()
    {
        var live = _liveUpdate;
        _liveUpdate = false;
        var snapshot = Hub.Snapshot(SiteId);
        if (live && Equals(RenderKey(snapshot), _renderedKey)) return false;
        Take(snapshot);
        return true;
    }

    private void Take(LiveSnapshot snapshot)
    {
        var key = RenderKey(snapshot);
        if (!Equals(key, _renderedKey) || ChangedAt == default) ChangedAt = snapshot.At;
        Snapshot = snapshot;
        _renderedKey = key;
    }

    protected string Clock(DateTimeOffset t, string format = "HH:mm:ss") => (SiteZone ?? LiveClock.Utc).Format(t, format);

    /// <summary>The zone <see cref="Clock"/> tells the time in, named next to the times.</summary>
    protected string ZoneLabel => (SiteZone ?? LiveClock.Utc).Label;

    public void Dispose()
    {
        _subscription?.Dispose();
        _coalescer?.Dispose();
        GC.SuppressFinalize(this);
    }
}
