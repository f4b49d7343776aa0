using ActorMigration.SystemTests.Copies;

namespace ActorMigration.SystemTests.Qemu;

/// <summary>
/// Suspend, resume, reset and reboot of a real QEMU guest, seen on its console (the heartbeat stops and goes on; a reset
/// boots the guest again), and the guest agent's "not running" answer for a guest without qemu-ga.
/// </summary>
[Collection(Collections.Qemu)]
public sealed class QemuPowerTests(QemuMemberFixture f)
{
    private MemberProcess M => f.Member;
    private PveClient C => f.Member.Client;

    private async Task Power(int vmid, string action, params (string, string)[] form) =>
        await QemuVms.WaitOk(M, await C.Upid(C.Post($"/nodes/node1/qemu/{vmid}/status/{action}", form)));

    private int Boots(int vmid) => GuestConsole.Lines(Reality.SerialLog(M.DataDir, "node1", vmid)).Count(l => l == "disk none");

    [Fact]
    public async Task Suspend_stops_the_heartbeat_resume_continues_it_reset_boots_again_reboot_restarts_and_no_agent_answers()
    {
        var vmid = f.NextVmId();
        try
        {
            var pid = await QemuVms.StartGuestAsync(M, "node1", vmid, 128, ("agent", "1"));
            Assert.Contains("virtserialport,bus=qga0.0,chardev=qga0,name=org.qemu.guest_agent.0", QemuHost.QemuCommandLine(M.DataDir, "node1", vmid));
            var agent = await C.Get($"/nodes/node1/qemu/{vmid}/agent/network-get-interfaces");
            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, agent.Status);
            Assert.Equal("QEMU guest agent is not running", agent.Reason);

            await Power(vmid, "suspend");
            var cur = await C.Current(vmid);
            Assert.Equal(("running", "paused"), (cur.Str("status"), cur.Str("qmpstatus")));
            var stopped = GuestConsole.MaxHeartbeat(M.DataDir, "node1", vmid);
            await Task.Delay(2500);
            Assert.Equal(stopped, GuestConsole.MaxHeartbeat(M.DataDir, "node1", vmid));

            await Power(vmid, "resume");
            Assert.Equal("running", (await C.Current(vmid)).Str("qmpstatus"));
            await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node1", vmid, stopped + 2);

            Assert.Equal(1, Boots(vmid));
            await Power(vmid, "reset");
            await GuestConsole.WaitForAsync(M.DataDir, "node1", vmid, _ => Boots(vmid) == 2, TimeSpan.FromSeconds(60), "a second boot after the reset");
            Assert.Equal(pid, Reality.QemuPid(M.DataDir, "node1", vmid));

            await Power(vmid, "reboot", ("timeout", "3"));
            var after = await C.Current(vmid);
            Assert.Equal(("running", "running"), (after.Str("status"), after.Str("qmpstatus")));
            Assert.NotEqual(pid, Reality.QemuPid(M.DataDir, "node1", vmid));
            await GuestConsole.WaitForHeartbeatAsync(M.DataDir, "node1", vmid, 1, TimeSpan.FromSeconds(60));
        }
        finally
        {
            await C.Post($"/nodes/node1/qemu/{vmid}/status/stop");
        }
    }
}
