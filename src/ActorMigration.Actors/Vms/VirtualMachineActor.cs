using ActorMigration.Actors.Persistence;
using ActorMigration.Actors.ReadModel;
using ActorMigration.Domain.Vms;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorMigration.Actors.Vms;

/// <summary>The cluster-wide record of one VM (config, owner node, lock). Persist first, then reply.</summary>
public sealed class VirtualMachineActor : ReceivePersistentActor
{
    public const string TypeName = "virtual-machine";
    public const string PersistenceIdPrefix = "vm-";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private VmState _state;

    public override string PersistenceId { get; }

    public static Props Props(string vmid) => Akka.Actor.Props.Create(() => new VirtualMachineActor(vmid));

    public VirtualMachineActor(string vmid)
    {
        PersistenceId = PersistenceIdPrefix + vmid;
        _state = VmState.Empty(int.Parse(vmid));

        Recover<IVmEvent>(e => _state = VmDecider.Apply(_state, e));
        // A stored event that does not decode: the record stays readable, marked damaged (it can be repaired or destroyed).
        Recover<UnreadableEvent>(u =>
        {
            _log.Error("VM record {0}: event {1} ({2}) is unreadable: {3}", PersistenceId, LastSequenceNr, u.Manifest, u.Error);
            _state = VmDecider.Unreadable(_state, LastSequenceNr, u.Manifest);
        });
        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is VmState s) _state = s;
        });

        Command<IVmCommand>(Handle);
        // A shard handoff: commands are stashed while a write is in progress, so this stops after its reply.
        Command<VmRecordHandOff>(_ => Context.Stop(Self));
    }

    protected override void PreStart()
    {
        // Where the record lives (placement: the member hosting the VM's owner node).
        _log.Info("VM record {0} started on {1}", PersistenceId, ((ExtendedActorSystem)Context.System).Provider.DefaultAddress);
        base.PreStart();
    }

    private void Handle(IVmCommand cmd)
    {
        IReadOnlyList<IVmEvent> events;
        string? error;
        try
        {
            (events, error) = VmDecider.Decide(_state, cmd);
        }
        catch (Exception e)
        {
            // A fault here must answer at once instead of restarting the actor and leaving the caller to time out.
            _log.Error(e, "VM record {0}: {1} failed", PersistenceId, cmd.GetType().Name);
            Sender.Tell(VmReply.Refused($"VM {_state.VmId} - internal error while handling the request"));
            return;
        }
        if (error is not null)
        {
            Sender.Tell(VmReply.Refused(error));
            return;
        }
        if (events.Count == 0)
        {
            Sender.Tell(VmReply.Success(_state.ToView()));
            return;
        }
        var sender = Sender;
        var left = events.Count;
        PersistAll(events, e =>
        {
            _state = VmDecider.Apply(_state, e);
            // Every event of a VM record is tagged, so the previous tagged one is the previous event.
            Context.System.EventStream.Publish(new TaggedEventPersisted(PersistenceId, LastSequenceNr, LastSequenceNr - 1, e));
            if (--left == 0) sender.Tell(VmReply.Success(_state.ToView()));
        });
    }
}
