namespace LiveAnalytics.Live;

/// <summary>
/// Turns any number of change notifications into at most one render per <c>minInterval</c>:
/// the first change renders at once, later ones within the interval share one render at its end.
/// </summary>
public sealed class RenderCoalescer(TimeProvider time, Func<TimeSpan> minInterval, Func<Task> render) : IDisposable
{
    public RenderCoalescer(TimeProvider time, TimeSpan minInterval, Func<Task> render) : this(time, () => minInterval, render)
    {
    }

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _disposed = new();
    private int _scheduled;
    private DateTimeOffset _lastRender = DateTimeOffset.MinValue;

    public void Request()
    {
        if (_disposed.IsCancellationRequested || Interlocked.Exchange(ref _scheduled, 1) == 1) return;
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            var wait = _lastRender == DateTimeOffset.MinValue ? TimeSpan.Zero : _lastRender + minInterval() - time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, _disposed.Token);
            _lastRender = time.GetUtcNow();
            // Cleared before rendering, so a change during the render schedules the next one.
            Volatile.Write(ref _scheduled, 0);
            await render();
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
            // The component went away between the notification and the render.
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
