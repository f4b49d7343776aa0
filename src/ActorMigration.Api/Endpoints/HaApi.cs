using ActorMigration.Actors.Cluster;
using ActorMigration.Actors.Ha;
using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Ha;
using ActorMigration.Domain.Storage;
using Akka.Actor;
using Akka.Hosting;

namespace ActorMigration.Api.Endpoints;

/// <summary>What the HA endpoints and the VM endpoints share: the HA store, the sid, the VM checks, follow-ups of tasks.</summary>
public static class HaApi
{
    private static readonly LastSeen<HaConfigState> Seen = new();

    public static IActorRef Store(HttpContext ctx) => ctx.RequestServices.GetRequiredService<ActorRegistry>().Get<HaConfigStore>();

    /// <summary>The HA configuration from the store (the singleton: what was written is read back at once).</summary>
    public static Task<HaConfigState> Config(HttpContext ctx) => Ask(ctx, ApiServices.AskTimeout, lastSeen: false);

    /// <summary>
    /// For a VM's status and listings: the store's configuration, or the last one this member read while the singleton
    /// moves (a VM's status must not fail for that).
    /// </summary>
    public static Task<HaConfigState> ConfigOrLastSeen(HttpContext ctx) => Ask(ctx, TimeSpan.FromSeconds(3), lastSeen: true);

    private static Task<HaConfigState> Ask(HttpContext ctx, TimeSpan timeout, bool lastSeen) =>
        Seen.AskAsync<HaConfigReply>(Store(ctx), new GetHaConfig(), r => r.State, timeout, lastSeen);

    /// <summary>
    /// The HA manager's state (fenced nodes, recoveries, errors); empty while its singleton does not answer (it moves,
    /// or this member cannot reach it): the status then shows the VMs' own states.
    /// </summary>
    public static async Task<HaManagerState> Manager(HttpContext ctx)
    {
        try
        {
            var manager = ctx.RequestServices.GetRequiredService<ActorRegistry>().Get<HaManagerSingleton>();
            return (await manager.Ask<HaManagerStateReply>(new GetHaManagerState(), TimeSpan.FromSeconds(2))).State;
        }
        catch (AskTimeoutException)
        {
            return HaManagerState.Empty;
        }
    }

    /// <summary>The manager's state when some resource is managed (its states apply), else none (no ask).</summary>
    public static async Task<HaManagerState?> ManagerIfManaged(HttpContext ctx, HaConfigState config, int? vmid = null) =>
        (vmid is { } id ? HaServiceState.IsManaged(config.ResourceOfVm(id)) : config.Resources.Values.Any(HaServiceState.IsManaged))
            ? await Manager(ctx)
            : null;

    /// <summary>Applies a change: Proxmox's <c>null</c>, or its refusal as a 500.</summary>
    public static async Task<IResult> Change(HttpContext ctx, IHaConfigCommand command)
    {
        var store = Store(ctx);
        var reply = await store.Ask<HaConfigReply>(new HaConfigRequest(command), ApiServices.AskTimeout);
        if (reply.Error is null) Seen.Remember(store, reply.State);
        return reply.Error is null ? PveResult.Data(null) : PveResult.Error(reply.Error);
    }

    /// <summary>The canonical sid of the <c>sid</c> parameter (a plain vmid needs the VM), or Proxmox's refusal.</summary>
    public static async Task<(string Sid, int VmId, IResult? Error)> Sid(ApiServices s, string value)
    {
        var vm = HaSid.IsPlainVmId(value) && int.TryParse(value, out var id) ? await s.Vm(id) : null;
        var (sid, vmid, error) = HaSid.Parse(value, _ => vm?.Exists == true);
        return (sid, vmid, error is null ? null : PveResult.Error(error));
    }

    /// <summary>Before a VM becomes a resource: it exists (the VM plugin's exists) and its disks are shared (our rule).</summary>
    public static async Task<string?> VmRefusal(ApiServices s, int vmid)
    {
        var vm = await s.Vm(vmid);
        if (!vm.Exists) return $"resource 'vm:{vmid}' does not exist in cluster";
        return HaEligibility.Refusal(vmid, QmConfig.Parse(vm.ConfigText).Main, s.Topology.Storage);
    }

    /// <summary>A create with <c>ha-managed=1</c> is refused up front when its disks would not all be shared.</summary>
    public static string? CreateRefusal(PveParams p, int vmid, QmConfig cfg, StorageConfig storage) =>
        p.Bool("ha-managed") ? HaEligibility.Refusal(vmid, cfg.Main, storage) : null;

    /// <summary>
    /// Our deviation: a restore's disks are known only once it ran, so <c>ha-managed=1</c> is refused with <c>archive</c>
    /// rather than ignored (add the resource after the restore).
    /// </summary>
    public static IResult? RestoreRefusal(PveParams p) =>
        p.Bool("ha-managed")
            ? PveResult.ParamError("ha-managed", "not supported with 'archive' (restore): add the HA resource once the VM is restored")
            : null;

    /// <summary>
    /// The VM's <c>ha</c> field of status/current, as get_service_status: managed, the CRM's state (the manager's while
    /// it acts on the resource, else read from the VM), the group.
    /// </summary>
    public static Dictionary<string, object?> VmStatus(HaConfigState config, int vmid, bool? running, HaManagerState? manager = null,
        string? node = null)
    {
        var r = config.ResourceOfVm(vmid);
        if (!HaServiceState.IsManaged(r)) return new Dictionary<string, object?> { ["managed"] = 0 };
        var ha = new Dictionary<string, object?>
        {
            ["managed"] = 1, ["state"] = manager?.CrmOf(r!.Sid, node) ?? HaServiceState.Crm(r!, running),
        };
        if (r!.Group is { } g) ha["group"] = g;
        return ha;
    }

    /// <summary>
    /// Destroy without <c>purge</c> is refused for a VM that is an HA resource (ignored ones too), as Proxmox does.
    /// <c>IsResource</c>: with purge, the resource is removed after the task (<see cref="PlanAfterDestroy"/>).
    /// </summary>
    public static async Task<(string? Refusal, bool IsResource)> DestroyCheck(HttpContext ctx, int vmid, bool purge)
    {
        var isResource = (await Config(ctx)).ResourceOfVm(vmid) is not null;
        return (isResource && !purge ? $"unable to remove VM {vmid} - used in HA resources and purge parameter not set." : null, isResource);
    }

    /// <summary>
    /// With <c>ha-managed=1</c>, as Proxmox: the resource is added once the create task has ended well, started if the
    /// VM was started, else stopped. Planned in the store before the task starts, so that no member's crash loses it.
    /// </summary>
    public static async Task PlanAfterCreate(HttpContext ctx, PveParams p, string upid, int vmid)
    {
        if (!p.Bool("ha-managed")) return;
        var state = p.Bool("start") ? HaStates.Started : HaStates.Stopped;
        await Plan(ctx, new PlanHaFollowUp(upid, new HaResource(HaSid.OfVm(vmid), state, null, null, null, null), null));
    }

    /// <summary>Proxmox's destroy with <c>purge=1</c> removes the HA resource once the VM is gone.</summary>
    public static Task PlanAfterDestroy(HttpContext ctx, string upid, int vmid) => Plan(ctx, new PlanHaFollowUp(upid, null, HaSid.OfVm(vmid)));

    private static async Task Plan(HttpContext ctx, PlanHaFollowUp plan)
    {
        var reply = await Store(ctx).Ask<HaConfigReply>(new HaConfigRequest(plan), ApiServices.AskTimeout);
        if (reply.Error is not null) throw new InvalidOperationException($"HA follow-up of {plan.Upid} not planned: {reply.Error}");
    }

}
