using Xunit.Abstractions;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>A forced CPU model on real QEMU (TCG): the migration target runs with the source's -cpu.</summary>
[Collection(Collections.Qemu)]
public sealed class QemuCpuModelTests(QemuMemberFixture f, ITestOutputHelper output) : IClassFixture<QemuMemberFixture>
{
    private MemberProcess M => f.Member;

    /// <summary>The value after <c>-cpu</c> in a process's argv (null when absent).</summary>
    private static string? CpuArg(int pid)
    {
        var argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        var i = Array.IndexOf(argv, "-cpu");
        return i >= 0 && i + 1 < argv.Length ? argv[i + 1] : null;
    }

    [Fact]
    public async Task Live_migration_starts_the_target_with_the_sources_cpu_model()
    {
        const int vmid = 231;
        try
        {
            var srcPid = await QemuVms.StartGuestAsync(M, "node1", vmid, 512, ("cpu", "Westmere,flags=+aes"));
            var srcCpu = CpuArg(srcPid);
            Assert.Equal("Westmere,+aes,vendor=GenuineIntel", srcCpu);

            var upid = await M.Client.Upid(M.Client.Post($"/nodes/node1/qemu/{vmid}/migrate", ("target", "node2"), ("online", "1")));
            output.WriteLine(string.Join('\n', await QemuVms.WaitOk(M, upid)));

            var dstPid = QemuVms.AssertOneQemuOn(M, vmid, "node2");
            Assert.Equal(srcCpu, CpuArg(dstPid));
            await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node2", vmid,
                GuestConsole.Heartbeats(Reality.SerialLog(M.DataDir, "node1", vmid, includeOld: true)).Max() + 2);
        }
        finally
        {
            await QemuVms.StopQuietly(M, vmid);
        }
    }
}
