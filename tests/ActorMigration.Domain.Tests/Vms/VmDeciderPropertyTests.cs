using ActorMigration.Domain.Config;
using ActorMigration.Domain.Vms;

namespace ActorMigration.Domain.Tests.Vms;

/// <summary>Random command sequences against the VM record.</summary>
public class VmDeciderPropertyTests
{
    private static readonly string[] Owners = ["task-a", "task-b"];
    private static readonly string[] Nodes = ["node1", "node2"];

    private static IVmCommand RandomCommand(Random r, VmState s)
    {
        var owner = Owners[r.Next(Owners.Length)];
        var node = r.Next(4) == 0 ? Nodes[r.Next(Nodes.Length)] : s.Node ?? "node1";
        return r.Next(11) switch
        {
            0 => new CreateVm(100, node, $"cores: {r.Next(1, 9)}\nname: vm{r.Next(10)}\n", r.Next(2) == 0 ? "create" : null, r.Next(2) == 0 ? owner : null),
            1 or 2 => new AcquireVmLock(100, new[] { "migrate", "clone", "backup" }[r.Next(3)], owner, r.Next(2) == 0 ? node : null),
            3 or 4 => new ReleaseVmLock(100, owner),
            5 => new EditVmConfig(100, node, new Dictionary<string, string> { ["memory"] = (512 * r.Next(1, 9)).ToString() },
                r.Next(3) == 0 ? ["name"] : [], r.Next(2) == 0 ? s.Digest : null, r.Next(2) == 0 ? owner : null, r.Next(5) == 0),
            6 => new MoveVmOwner(100, s.Node ?? "node1", Nodes.First(n => n != (s.Node ?? "node1")), $"cores: 2\nname: moved\n", owner),
            7 => new ReplaceVmConfig(100, $"cores: {r.Next(1, 9)}\n", owner),
            8 => new AddLinkedClone(100, r.Next(101, 104)),
            9 => new RemoveLinkedClone(100, r.Next(101, 104)),
            _ => new DestroyVm(100, node, r.Next(2) == 0 ? owner : null),
        };
    }

    [Fact]
    public void Invariants_hold_for_random_command_sequences()
    {
        var seen = new HashSet<Type>();
        for (var seed = 0; seed < 300; seed++)
        {
            var r = new Random(seed);
            var s = VmState.Empty(100);
            for (var i = 0; i < 40; i++)
            {
                var cmd = RandomCommand(r, s);
                var (events, error) = VmDecider.Decide(s, cmd);
                if (error is not null)
                {
                    Assert.Empty(events);
                    continue;
                }
                foreach (var e in events) seen.Add(e.GetType());
                var next = events.Aggregate(s, VmDecider.Apply);

                // the file always parses and the lock field is exactly the file's lock line
                if (next.Exists)
                {
                    var cfg = QmConfig.Parse(next.ConfigText);
                    Assert.Equal(cfg.Lock, next.Lock);
                    Assert.Equal(next.Lock is not null, next.ConfigText.Contains("\nlock: ") || next.ConfigText.StartsWith("lock: "));
                    Assert.Equal(VmState.DigestOf(next.ConfigText), next.Digest);
                }
                else
                {
                    Assert.Equal(VmState.Empty(100), next with { LinkedClones = next.LinkedClones.Clear() });
                }

                // idempotent commands: deciding them again after applying changes nothing
                if (cmd is AcquireVmLock or ReleaseVmLock or MoveVmOwner or AddLinkedClone or RemoveLinkedClone or ReplaceVmConfig)
                {
                    var (again, againError) = VmDecider.Decide(next, cmd);
                    Assert.Null(againError);
                    Assert.Empty(again);
                }
                // a VM locked by someone else refuses other owners' edits
                if (next.Lock is { } l && next.LockOwner is { } o)
                {
                    var other = Owners.First(x => x != o);
                    var (_, lockErr) = VmDecider.Decide(next, new AcquireVmLock(100, "migrate", other));
                    Assert.Equal($"VM is locked ({l})", lockErr);
                }
                s = next;
            }
        }
        Assert.Superset(new HashSet<Type> { typeof(VmCreated), typeof(VmLocked), typeof(VmUnlocked), typeof(VmConfigReplaced), typeof(VmOwnerMoved),
            typeof(VmDestroyed), typeof(VmLinkedCloneAdded), typeof(VmLinkedCloneRemoved) }, seen);
    }
}
