using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorMigration.Domain.Hypervisor;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Qemu.Hypervisor;

/// <summary>
/// The QEMU guest agent channel, as qemu-server sets it up: a chardev socket the VM serves, on a virtio serial port
/// named org.qemu.guest_agent.0 (or an ISA serial port), and one command per connection after guest-sync-delimited.
/// </summary>
internal static class GuestAgentClient
{
    /// <summary>The QEMU arguments of the agent channel of type <paramref name="channel"/> (virtio, isa); none without an agent.</summary>
    public static IEnumerable<string> Args(string? channel, string socket)
    {
        if (channel is null) yield break;
        yield return "-chardev";
        yield return $"socket,path={QemuCommandLine.Escape(socket)},server=on,wait=off,id=qga0";
        yield return "-device";
        if (channel == "isa")
        {
            yield return "isa-serial,chardev=qga0";
            yield break;
        }
        yield return "virtio-serial-pci,id=qga0";
        yield return "-device";
        yield return $"virtserialport,bus=qga0.0,chardev=qga0,name={GuestAgent.PortName}";
    }

    /// <summary>Runs <paramref name="command"/> and answers its <c>return</c> as JSON; no answer within the timeout: not running.</summary>
    public static async Task<string> ExecuteAsync(string socketPath, string command, TimeSpan timeout, CancellationToken ct)
    {
        if (!File.Exists(socketPath)) throw new GuestAgentNotRunningException("the VM has no guest agent channel");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            // guest-sync-delimited: the agent answers 0xFF and {"return": id}, which skips what an earlier client left unread.
            var id = Random.Shared.Next(1, int.MaxValue);
            await Send(stream, new JsonObject { ["execute"] = "guest-sync-delimited", ["arguments"] = new JsonObject { ["id"] = id } }, cts.Token);
            while ((await ReadReply(stream, cts.Token))["return"]?.GetValue<long>() != id)
            {
            }
            await Send(stream, new JsonObject { ["execute"] = command }, cts.Token);
            var reply = await ReadReply(stream, cts.Token);
            if (reply["error"] is JsonObject error) throw new InvalidOperationException($"Agent error: {error["desc"]?.GetValue<string>()}");
            return (reply["return"] ?? new JsonObject()).ToJsonString();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new GuestAgentNotRunningException($"{command}: no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new GuestAgentNotRunningException($"{command}: {e.Message}");
        }
    }

    private static Task Send(Stream stream, JsonObject message, CancellationToken ct) =>
        stream.WriteAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + "\n"), ct).AsTask();

    /// <summary>One JSON object (the 0xFF delimiter and blank lines skipped).</summary>
    private static async Task<JsonObject> ReadReply(Stream stream, CancellationToken ct)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, ct) == 0) throw new IOException("the agent channel closed");
            if (one[0] == 0xFF) continue;
            if (one[0] != (byte)'\n')
            {
                line.Add(one[0]);
                continue;
            }
            if (line.Count == 0) continue;
            try
            {
                if (JsonNode.Parse(line.ToArray()) is JsonObject o) return o;
            }
            catch (JsonException)
            {
            }
            line.Clear();
        }
    }
}
