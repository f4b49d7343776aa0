using System.Text.Json;

namespace ActorMigration.Cli.Tests.Fakes;

/// <summary>
/// A task whose log grows by <paramref name="linesPerPoll"/> lines on each status poll and
/// which reports "stopped" once every line is visible. Lines should end with "TASK ...".
/// </summary>
public sealed class FakeTask(string upid, string[] lines, string exitStatus, int linesPerPoll = 2)
{
    private int _visible;
    private readonly Queue<Reply> _statusFailures = new();

    public string Upid { get; } = upid;
    public string Node => Upid.Split(':')[1];
    public int StatusPolls { get; private set; }

    /// <summary>The next status polls answer these replies (in order) before the task shows up.</summary>
    public FakeTask FailStatus(params Reply[] replies)
    {
        foreach (var r in replies) _statusFailures.Enqueue(r);
        return this;
    }

    public FakeTask Register(FakePve pve)
    {
        pve.On("GET", $"nodes/{Node}/tasks/{Upid}/log", Log);
        pve.On("GET", $"nodes/{Node}/tasks/{Upid}/status", _ => Status());
        return this;
    }

    private Reply Log(Recorded r)
    {
        var start = r.Query.TryGetValue("start", out var s) ? int.Parse(s) : 0;
        var limit = r.Query.TryGetValue("limit", out var l) ? int.Parse(l) : 50;
        var visible = Volatile.Read(ref _visible);
        if (visible == 0) return Reply.Data("""[{"n":1,"t":"no content"}]""", 1);
        var end = limit == 0 ? visible : Math.Min(visible, start + limit);
        var items = Enumerable.Range(start, Math.Max(0, end - start)).Select(i => new { n = i + 1, t = lines[i] });
        return Reply.Data(JsonSerializer.Serialize(items), visible);
    }

    private Reply Status()
    {
        StatusPolls++;
        if (_statusFailures.TryDequeue(out var failure)) return failure;
        var visible = Math.Min(lines.Length, _visible + linesPerPoll);
        Volatile.Write(ref _visible, visible);
        var stopped = visible == lines.Length;
        var status = new Dictionary<string, object>
        {
            ["upid"] = Upid, ["node"] = Node, ["type"] = Upid.Split(':')[5], ["id"] = Upid.Split(':')[6],
            ["user"] = "root@pam", ["tokenid"] = "admin", ["status"] = stopped ? "stopped" : "running",
        };
        if (stopped) status["exitstatus"] = exitStatus;
        return Reply.Json(status);
    }
}
