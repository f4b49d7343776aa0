using System.Diagnostics;
using ActorMigration.Api.Tests.Compat;
using ActorMigration.Api.Tests.Infrastructure;

namespace ActorMigration.Api.Tests.Storage;

/// <summary>Debian's python3-proxmoxer with a token: vzdump, find the backup with content=backup, read and delete it, read pools.</summary>
[Collection(CompatCollection.Name)]
public sealed class ProxmoxerStorageTests(ServerFixture f)
{
    private const string Script = """
        import json, sys, time
        from proxmoxer import ProxmoxAPI
        port, token, vmid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
        user, rest = token.split('!', 1)
        name, secret = rest.split('=', 1)
        px = ProxmoxAPI('127.0.0.1', port=port, user=user, token_name=name, token_value=secret, verify_ssl=False)
        node = px.nodes('node1')
        upid = node.vzdump.post(vmid=vmid, storage='local', compress='zstd')
        while node.tasks(upid).status.get()['status'] == 'running':
            time.sleep(0.2)
        local = node.storage('local')
        found = [v for v in local.content.get(content='backup') if v.get('vmid') == vmid]
        info = local.content(found[0]['volid']).get()
        local.content(found[0]['volid']).delete()
        after = [v for v in local.content.get(content='backup') if v.get('vmid') == vmid]
        status = [s for s in node.storage.get() if s['storage'] == 'local'][0]
        print(json.dumps({'found': found, 'info': info, 'after': after, 'status': status, 'pools': px.pools.get()}))
        """;

    [Fact]
    public async Task Proxmoxer_finds_the_backup_vzdump_made_reads_it_and_deletes_it()
    {
        var vm = await f.CreateVm("node1", ("scsi0", "local:1"));
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", Script, f.Server.HttpsPort.ToString(), f.Server.Token, vm.ToString() }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(p.ExitCode == 0, await stderr);
        var result = System.Text.Json.Nodes.JsonNode.Parse(await stdout)!;
        var found = Assert.Single(result["found"]!.AsArray())!;
        Assert.StartsWith($"local:backup/vzdump-qemu-{vm}-", found["volid"]!.GetValue<string>());
        Assert.Equal("tar.zst", result["info"]!["format"]!.GetValue<string>());
        Assert.Empty(result["after"]!.AsArray());
        Assert.True(result["status"]!["total"]!.GetValue<long>() > 0);
        Assert.NotNull(result["pools"]!.AsArray());
    }
}
