using ActorMigration.Actors.Access;
using ActorMigration.Domain.Access;
using Akka.Actor;
using Akka.Hosting;

namespace ActorMigration.Api.Http;

/// <summary>
/// The API's side of access control: <see cref="IPermissions"/> answered from this member's copy of the access
/// configuration, and changes sent to the cluster's store. After a change the reply's state is taken at once, so
/// the member that answered already sees what it acknowledged.
/// </summary>
public sealed class AccessService(AccessView view, ActorRegistry registry, TimeProvider time) : IPermissions
{
    public AccessState State => view.Current;

    public long Now => time.GetUtcNow().ToUnixTimeSeconds();

    public bool Has(string authId, string path, string privilege) => PermissionEvaluator.Has(view.Current, authId, path, privilege, Now);

    public IReadOnlySet<string> Privileges(string authId, string path) => PermissionEvaluator.Privileges(view.Current, authId, path, Now);

    /// <summary>Applies a change; null when done, else the store's refusal (Proxmox's text).</summary>
    public async Task<string?> ChangeAsync(IAccessCommand command)
    {
        var reply = await registry.Get<AccessStore>().Ask<AccessReply>(new AccessRequest(command), ApiServices.AskTimeout);
        view.Offer(reply.State);
        return reply.Error;
    }

    /// <summary>Right after a start the store's state may not have arrived; wait for it (at most 15 s).</summary>
    public async Task WaitLoadedAsync(CancellationToken ct)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!view.Loaded && DateTime.UtcNow < until) await Task.Delay(20, ct);
    }
}
