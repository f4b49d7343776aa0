using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ActorMigration.Contracts;

/// <summary>
/// Version 1 of the messages a service sends to the cluster through Akka's ClusterClient (to <see cref="Gateway.Path"/>).
/// Each request is checked exactly as the REST request it stands for: <c>Token</c> is a Proxmox API token
/// (<c>user@realm!tokenid=secret</c>), the same privileges, parameters and pre-checks apply, and
/// <c>RequestId</c> is the REST <c>Idempotency-Key</c>: a repeat with the same id answers the same UPID.
/// </summary>
public interface IServiceMessage;

/// <summary>A request that starts a task; answered with <see cref="TaskAccepted"/> or <see cref="Refused"/>.</summary>
public abstract record SubmitTask(string Token, string? RequestId, string Node, int VmId) : IServiceMessage
{
    /// <summary>Printed (logs, dead letters) without the token's secret.</summary>
    protected virtual bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Token = {Secrets.Mask(Token)}, RequestId = {RequestId}, Node = {Node}, VmId = {VmId}");
        return true;
    }
}

/// <summary><c>POST /nodes/{node}/qemu/{vmid}/migrate</c>.</summary>
public sealed record SubmitMigrate(string Token, string? RequestId, string Node, int VmId, string Target, bool Online = false,
    bool WithLocalDisks = false, string? TargetStorage = null, int? BwLimitKiB = null) : SubmitTask(Token, RequestId, Node, VmId);

/// <summary><c>POST /nodes/{node}/qemu/{vmid}/clone</c>.</summary>
public sealed record SubmitClone(string Token, string? RequestId, string Node, int VmId, int NewId, string? Name = null,
    bool? Full = null, string? Target = null, string? Storage = null) : SubmitTask(Token, RequestId, Node, VmId);

/// <summary><c>POST /nodes/{node}/qemu</c> with <c>vmid</c> and the config options as Proxmox names them (<c>memory</c>, <c>scsi0</c>, …).</summary>
public sealed record SubmitCreate(string Token, string? RequestId, string Node, int VmId, IReadOnlyDictionary<string, string> Options)
    : SubmitTask(Token, RequestId, Node, VmId);

/// <summary><c>POST /nodes/{node}/qemu/{vmid}/status/start</c>.</summary>
public sealed record SubmitStart(string Token, string? RequestId, string Node, int VmId) : SubmitTask(Token, RequestId, Node, VmId);

/// <summary><c>POST /nodes/{node}/qemu/{vmid}/status/stop</c>.</summary>
public sealed record SubmitStop(string Token, string? RequestId, string Node, int VmId) : SubmitTask(Token, RequestId, Node, VmId);

/// <summary><c>GET /nodes/{node}/tasks/{upid}/status</c>; answered with <see cref="TaskReport"/> or <see cref="Refused"/>.</summary>
public sealed record QueryTask(string Token, string Upid) : IServiceMessage
{
    [SuppressMessage("CodeQuality", "IDE0051", Justification = "the record's ToString calls it")]
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Token = {Secrets.Mask(Token)}, Upid = {Upid}");
        return true;
    }
}

/// <summary>
/// Task state changes as <c>GET /cluster/tasks/events</c> streams them: <see cref="TaskEvent"/>s in journal order, after
/// <see cref="Since"/> (the last <see cref="TaskEvent.Position"/> seen; null: from the first retained), filtered like the
/// stream; a <see cref="TaskEventsKeepAlive"/> every 15 s when nothing else comes. Ends with <see cref="TaskEventsEnded"/>
/// (or <see cref="Refused"/> when the subscription is not allowed). The sender is the subscriber.
/// </summary>
public sealed record SubscribeTaskEvents(string Token, long? Since = null, string? Upid = null, string? Node = null, string? Type = null)
    : IServiceMessage
{
    [SuppressMessage("CodeQuality", "IDE0051", Justification = "the record's ToString calls it")]
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Token = {Secrets.Mask(Token)}, Since = {Since}, Upid = {Upid}, Node = {Node}, Type = {Type}");
        return true;
    }
}

/// <summary>Ends the sender's subscriptions on the member that has them.</summary>
public sealed record UnsubscribeTaskEvents : IServiceMessage
{
    public static readonly UnsubscribeTaskEvents Instance = new();
}

/// <summary>The task exists (it was started, or had been by the same request id); its Proxmox UPID.</summary>
public sealed record TaskAccepted(string Upid) : IServiceMessage;

/// <summary>
/// The request was not taken: the REST status (400, 401, 403, 500, 501, …), Proxmox's message, and per-parameter errors
/// (the REST <c>{"errors":{…}}</c>) when there are some. Nothing was started.
/// </summary>
public sealed record Refused(int Status, string Message, IReadOnlyDictionary<string, string>? Errors = null) : IServiceMessage;

/// <summary>A task's status as Proxmox reports it: <c>running</c> or <c>stopped</c>, and when stopped its exit status (<c>OK</c> or the error).</summary>
public sealed record TaskReport(string Upid, string Status, string? ExitStatus, string Type, string Node, string User) : IServiceMessage;

/// <summary>One task state change (docs/services.md): <see cref="Position"/> is the event's place in the cluster's journal.</summary>
public sealed record TaskEvent(long Position, string Upid, string Node, string Type, string? Id, string User, string State,
    string? Step, string? Status, long At) : IServiceMessage;

/// <summary>Nothing happened for a while; the subscription is alive.</summary>
public sealed record TaskEventsKeepAlive : IServiceMessage
{
    public static readonly TaskEventsKeepAlive Instance = new();
}

/// <summary>The member ended the subscription (it stops, or the stream failed); resubscribe with the last position seen.</summary>
public sealed record TaskEventsEnded(string Reason) : IServiceMessage;

/// <summary>Where the gateway is: the ClusterClient <c>Send</c> path on every member.</summary>
public static class Gateway
{
    public const string Path = "/user/service-gateway";

    /// <summary>The receptionist's path on a member, for a client's initial contacts.</summary>
    public const string Receptionist = "/system/receptionist";

    /// <summary>The contract version these messages are (the serializer's manifests carry it).</summary>
    public const int Version = 1;
}

/// <summary>A token as logs may show it: <c>user@realm!tokenid=***</c>.</summary>
public static class Secrets
{
    public static string Mask(string token) => token.LastIndexOf('=') is var i and >= 0 ? token[..(i + 1)] + "***" : "***";
}
