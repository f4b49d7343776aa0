using ActorMigration.Actors.Nodes;
using ActorMigration.Api.Http;
using ActorMigration.Domain.CloudInit;
using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;
using Akka.Actor;

namespace ActorMigration.Api.Endpoints;

/// <summary>
/// qemu-server's cloud-init routes: the keys with the values the image was generated from (cloudinit_pending), the
/// image written again now (cloudinit_update) and the generated files (cloudinit_generated_config_dump).
/// </summary>
public static class CloudInitEndpoints
{
    private static readonly ParamSchema NodeVm = new(Formats.NodeParam(), Formats.VmIdParam());

    private static readonly ParamSchema DumpSchema = new(Formats.NodeParam(), Formats.VmIdParam(),
        new ParamSpec("type", Optional: false, Enum: ["user", "network", "meta"]));

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes/{node}/qemu/{vmid}/cloudinit", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Audit"), NodeVm, async p =>
            {
                var (vm, err) = await s.VmOnNode(p["node"]!, p.Int("vmid"));
                return err ?? PveResult.Data(Rows(QmConfig.Parse(vm!.ConfigText)));
            }));

        api.MapPut("/nodes/{node}/qemu/{vmid}/cloudinit", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm(ConfigAccess.CloudinitPriv), NodeVm, p => Update(s, p["node"]!, p.Int("vmid"))));

        api.MapGet("/nodes/{node}/qemu/{vmid}/cloudinit/dump", (HttpContext ctx, ApiServices s) =>
            Handler.Run(ctx, Need.Vm("VM.Audit"), DumpSchema, async p =>
            {
                var vmid = p.Int("vmid");
                var (vm, err) = await s.VmOnNode(p["node"]!, vmid);
                if (err is not null) return err;
                // Without VM.Config.Cloudinit the password is masked (meta-data's instance id still counts it).
                var mask = !ctx.Allowed($"/vms/{vmid}", ConfigAccess.CloudinitPriv);
                return Dump(QmConfig.Parse(vm!.ConfigText).Main, vmid, p["type"]!, mask);
            }));
    }

    /// <summary>The schema's values are strings (the section's are stored unparsed), the password masked.</summary>
    private static List<Dictionary<string, object?>> Rows(QmConfig cfg) =>
        ConfigJson.Rows(CloudInitChanges.Items(cfg), (key, value) => key == "cipassword" ? CloudInitOptions.Masked : value);

    /// <summary>
    /// vmconfig_update_cloudinit_drive: the image is written from the current config by the VM's node (as at start), then
    /// the changes recorded since the last image are dropped. A VM without a cloud-init drive: nothing to do.
    /// </summary>
    private static async Task<IResult> Update(ApiServices s, string node, int vmid)
    {
        if (s.CheckOnline(node) is { } offline) return offline;
        var (vm, err) = await s.VmOnNode(node, vmid);
        if (err is not null) return err;
        if (vm!.Lock is { } held) return PveResult.Error(VmDecider.Locked(held));
        var cfg = QmConfig.Parse(vm.ConfigText);
        if (!CloudInitDrive.Of(cfg.Main, vmid).Any()) return PveResult.Data(null);
        await s.Nodes.Ask<NodeDone>(new WriteNodeCloudInit(node, vmid, vm.ConfigText), ApiServices.AskTimeout);
        if (!CloudInitChanges.HasChanges(cfg)) return PveResult.Data(null);
        var reply = await s.Vms.Ask<VmReply>(new MarkCloudInitGenerated(vmid, node, CloudInitChanges.Text(cfg)), ApiServices.AskTimeout);
        return reply.Ok ? PveResult.Data(null) : PveResult.Error(reply.Error!);
    }

    /// <summary>dump_cloudinit_config for nocloud: the generated files, without cicustom's snippets.</summary>
    private static IResult Dump(QmSection c, int vmid, string type, bool maskPassword)
    {
        try
        {
            if (type == "user")
            {
                var shown = c.Clone();
                if (maskPassword && shown["cipassword"] is not null) shown["cipassword"] = CloudInitOptions.Masked;
                return PveResult.Data(NoCloud.UserData(shown, vmid));
            }
            var image = NoCloud.Generate(c, vmid);
            return PveResult.Data(type == "network" ? image.NetworkConfig : image.MetaData);
        }
        catch (InvalidOperationException e)
        {
            // configdrive2/opennebula, a NIC without a MAC address, a bad ipconfig: the generator's own words.
            return PveResult.Error(e.Message);
        }
    }
}
