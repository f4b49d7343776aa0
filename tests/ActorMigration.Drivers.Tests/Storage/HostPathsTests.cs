using ActorMigration.Domain.Storage;
using ActorMigration.Drivers.Abstractions;
using ActorMigration.Drivers.Storage;

namespace ActorMigration.Drivers.Tests.Storage;

public sealed class HostPathsTests
{
    private static readonly NodeSettings Settings = new("node1", "/srv/am/nodes/node1/run", StorageConfig.Parse(
        "dir: local\n\tpath /srv/am/nodes/{node}/local\n\tcontent images,import,backup,iso\n\n" +
        "dir: nested\n\tpath /srv/am/nodes/{node}/local/nested\n\tcontent images\n"));

    [Theory]
    [InlineData("qemu-img: Could not open '/srv/am/nodes/node1/local/images/100/vm-100-disk-0.qcow2': Permission denied",
        "qemu-img: Could not open 'local:100/vm-100-disk-0.qcow2': Permission denied")]
    [InlineData("Could not find file '/srv/am/nodes/node1/local/import/sub/x.ovf'.", "Could not find file 'local:import/sub/x.ovf'.")]
    [InlineData("'/srv/am/nodes/node1/local/dump/vzdump-qemu-100-x.tar' is broken", "'local:backup/vzdump-qemu-100-x.tar' is broken")]
    [InlineData("/srv/am/nodes/node1/local/template/iso/a.iso and /srv/am/nodes/node1/local/nested/images/1/x.raw",
        "local:iso/a.iso and nested:1/x.raw")]
    [InlineData("socket /srv/am/nodes/node1/run/qmp/100.sock refused", "socket (run dir) refused")]
    [InlineData("nothing to hide here", "nothing to hide here")]
    [InlineData("/srv/am/nodes/node1/localother/x is not a storage", "/srv/am/nodes/node1/localother/x is not a storage")]
    public void Host_paths_become_volume_ids(string message, string redacted) =>
        Assert.Equal(redacted, HostPaths.Redact(message, Settings));
}
