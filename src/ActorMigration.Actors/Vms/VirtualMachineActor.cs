using Akka.Actor;
using Akka.Persistence;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Actors.Vms;

/// <summary>The cluster-wide record of one VM (config, owner node, lock). Persist first, then reply.</summary>
public sealed class VirtualMachineActor : ReceivePersistentActor
{
    public const string TypeName = "virtual-machine";
    public const string PersistenceIdPrefix = "vm-";

    private VmState _state;

    public override string PersistenceId { get; }

    public static Props Props(string vmid) => Akka.Actor.Props.Create(() => new VirtualMachineActor(vmid));

    public VirtualMachineActor(string vmid)
    {
        PersistenceId = PersistenceIdPrefix + vmid;
        _state = VmState.Empty(int.Parse(vmid));

        Recover<IVmEvent>(e => _state = VmDecider.Apply(_state, e));
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is VmState s) _state = s;
        });

        Command<IVmCommand>(Handle);
    }

    private void Handle(IVmCommand cmd)
    {
        var (events, error) = VmDecider.Decide(_state, cmd);
        if (error is not null)
        {
            Sender.Tell(VmReply.Refused(error));
            return;
        }
        if (events.Count == 0)
        {
            Sender.Tell(VmReply.Success(_state.ToSnapshot()));
            return;
        }
        var sender = Sender;
        var left = events.Count;
        PersistAll(events, e =>
        {
            _state = VmDecider.Apply(_state, e);
            // Every event of a VM record is tagged, so the previous tagged one is the previous event.
            Context.System.EventStream.Publish(new TaggedEventPersisted(PersistenceId, LastSequenceNr, LastSequenceNr - 1, e));
            if (--left == 0) sender.Tell(VmReply.Success(_state.ToSnapshot()));
        });
    }
}
