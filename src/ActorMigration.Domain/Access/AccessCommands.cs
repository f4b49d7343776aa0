using System.Text.Json.Serialization;

namespace ActorMigration.Domain.Access;

/// <summary>
/// A change of the access configuration. Hashes and keys are made by the caller (they need randomness).
/// The type discriminator lets a command cross to the member that hosts the store.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$cmd")]
[JsonDerivedType(typeof(CreateUser), "user+")]
[JsonDerivedType(typeof(UpdateUser), "user~")]
[JsonDerivedType(typeof(DeleteUser), "user-")]
[JsonDerivedType(typeof(SetPassword), "passwd")]
[JsonDerivedType(typeof(CreateToken), "token+")]
[JsonDerivedType(typeof(UpdateToken), "token~")]
[JsonDerivedType(typeof(DeleteToken), "token-")]
[JsonDerivedType(typeof(ModifyAcl), "acl")]
[JsonDerivedType(typeof(EnsureTicketKey), "key")]
[JsonDerivedType(typeof(CreatePool), "pool+")]
[JsonDerivedType(typeof(UpdatePool), "pool~")]
[JsonDerivedType(typeof(DeletePool), "pool-")]
[JsonDerivedType(typeof(SetVmPool), "vmpool")]
public interface IAccessCommand;

public sealed record CreateUser(AccessUser User) : IAccessCommand;

/// <summary>Null fields stay as they are.</summary>
public sealed record UpdateUser(
    string UserId, bool? Enable, long? Expire, string? Firstname, string? Lastname, string? Email, string? Comment) : IAccessCommand;

public sealed record DeleteUser(string UserId) : IAccessCommand;

public sealed record SetPassword(string UserId, string PasswordHash) : IAccessCommand;

public sealed record CreateToken(AccessToken Token) : IAccessCommand;

public sealed record UpdateToken(string UserId, string TokenId, bool? Privsep, long? Expire, string? Comment) : IAccessCommand;

public sealed record DeleteToken(string UserId, string TokenId) : IAccessCommand;

/// <summary>PUT /access/acl: every role for every user and token on the path, or removed with Delete.</summary>
public sealed record ModifyAcl(
    string Path, IReadOnlyList<string> Roles, IReadOnlyList<string> Users, IReadOnlyList<string> Tokens, bool Propagate, bool Delete)
    : IAccessCommand;

/// <summary>Sets the ticket key unless one exists.</summary>
public sealed record EnsureTicketKey(string Key) : IAccessCommand;
