using System.Collections.Concurrent;
using Akka.Actor;

namespace ActorMigration.Actors.ReadModel;

/// <summary>
/// The tasks this member's read model knows to be unfinished, readable without asking an actor (the workflows'
/// allocation strategy reads it synchronously). <see cref="Ready"/> once the model has caught up with the journal:
/// before that an absent task may simply not be read yet. Written only by <see cref="ClusterReadModelActor"/>.
/// </summary>
public sealed class RunningTaskView : IExtension
{
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);

    public static RunningTaskView Get(ActorSystem system) => system.WithExtension<RunningTaskView, RunningTaskViewProvider>();

    public bool Ready { get; private set; }

    public IReadOnlyCollection<string> Running => [.. _running.Keys];

    public void Started(string upid) => _running[upid] = 0;

    public void Ended(string upid) => _running.TryRemove(upid, out _);

    public void CaughtUp() => Ready = true;
}

public sealed class RunningTaskViewProvider : ExtensionIdProvider<RunningTaskView>
{
    public override RunningTaskView CreateExtension(ExtendedActorSystem system) => new();
}
