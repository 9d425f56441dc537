namespace LiveAnalytics.Infrastructure;

/// <summary>
/// This app process among the nodes sharing one Redis. Stream entries carry the id of the node that
/// ingested them, so exactly one node hands each event to the scaled-out SignalR hub.
/// </summary>
public sealed class NodeIdentity
{
    public string Id { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^24];
}
