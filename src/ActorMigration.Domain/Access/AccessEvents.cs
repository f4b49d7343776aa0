namespace ActorMigration.Domain.Access;

/// <summary>An event of the access configuration (users, tokens, ACL, ticket key).</summary>
public interface IAccessEvent;

/// <summary>A user created or changed (also its password); carries the whole new record.</summary>
public sealed record UserSaved(AccessUser User) : IAccessEvent;

/// <summary>A user removed with its tokens and every ACL entry of it and its tokens.</summary>
public sealed record UserDeleted(string UserId) : IAccessEvent;

public sealed record TokenSaved(AccessToken Token) : IAccessEvent;

/// <summary>A token removed with its ACL entries.</summary>
public sealed record TokenDeleted(string UserId, string TokenId) : IAccessEvent;

/// <summary>An ACL entry added, or its propagate flag changed.</summary>
public sealed record AclGranted(AclEntry Entry) : IAccessEvent;

public sealed record AclRevoked(string Path, string Subject, string Role) : IAccessEvent;

/// <summary>The cluster's key for tickets and CSRF tokens, created once at the first start.</summary>
public sealed record TicketKeySet(string Key) : IAccessEvent;
