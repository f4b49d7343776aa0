using ActorMigration.Actors.Workflows;

namespace ActorMigration.Actors.Nodes;

/// <summary>
/// No Up member hosts the node, or its member was declared down or removed while a command waited for it. Final for a
/// workflow step (no retry can reach a gone node); the text is Proxmox's for a request to an offline node.
/// </summary>
public sealed class NodeOfflineException(string node) : StepRefusedException(MessageFor(node))
{
    public string Node { get; } = node;

    public static string MessageFor(string node) => $"node '{node}' seems to be offline";
}
