using System.Diagnostics;

namespace ActorMigration.Api.Tests.Access;

/// <summary>Debian's python3-proxmoxer logs in with user and password (ticket + CSRF) and meets the ACL.</summary>
[Collection(AccessCollection.Name)]
public sealed class ProxmoxerLoginTests(AccessFixture f)
{
    private const string Script = """
        import json, sys
        from proxmoxer import ProxmoxAPI
        from proxmoxer.core import ResourceException
        port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        px = ProxmoxAPI('127.0.0.1', port=port, user=user, password=password, verify_ssl=False)
        out = {'perms': px.access.permissions.get(path='/vms/150')}
        px.access.acl.put(path='/vms/150', roles='PVEAuditor', users=user)
        out['acl'] = [a for a in px.access.acl.get() if a['ugid'] == user]
        try:
            px.access.users.post(userid='mallory@pve', password='mallory-1')
            out['refused'] = None
        except ResourceException as e:
            out['refused'] = e.status_code
        print(json.dumps(out))
        """;

    [Fact]
    public async Task Proxmoxer_logs_in_with_a_password_reads_and_writes_what_is_allowed_and_is_refused_the_rest()
    {
        var user = await f.CreateUser("px-pass-1", ("/vms/150", "PVEAdmin"));
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", Script, f.Server.HttpsPort.ToString(), user, "px-pass-1" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(p.ExitCode == 0, await stderr);
        var result = System.Text.Json.Nodes.JsonNode.Parse(await stdout)!;
        Assert.Equal(1, result["perms"]!["/vms/150"]!["VM.Migrate"]!.GetValue<int>());
        Assert.Contains(result["acl"]!.AsArray(), a => a!["roleid"]!.GetValue<string>() == "PVEAuditor");
        Assert.Equal(403, result["refused"]!.GetValue<int>());
        Assert.DoesNotContain("mallory@pve", (await f.Admin.Get("/access/users")).Body);
    }
}
