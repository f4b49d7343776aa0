using ActorMigration.Domain.Access;

namespace ActorMigration.Domain.Tests.Access;

public sealed class SecretsAndTicketsTests
{
    private static readonly byte[] Salt = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

    [Fact]
    public void A_password_hash_verifies_only_its_password_and_holds_no_plain_text()
    {
        var hash = Secrets.HashPassword("s3cret!", Salt, 1000);
        Assert.StartsWith("pbkdf2-sha256$1000$", hash);
        Assert.DoesNotContain("s3cret", hash);
        Assert.True(Secrets.VerifyPassword("s3cret!", hash));
        Assert.False(Secrets.VerifyPassword("s3cret", hash));
        Assert.False(Secrets.VerifyPassword("s3cret!", null));
        Assert.NotEqual(hash, Secrets.HashPassword("s3cret!", [.. Salt.Reverse()], 1000));
    }

    [Fact]
    public void A_token_secret_hash_verifies_only_its_secret()
    {
        var hash = Secrets.HashTokenSecret("0b5c1a4e-1111-2222-3333-444455556666", Salt);
        Assert.True(Secrets.VerifyTokenSecret("0b5c1a4e-1111-2222-3333-444455556666", hash));
        Assert.False(Secrets.VerifyTokenSecret("0b5c1a4e-1111-2222-3333-444455556667", hash));
    }

    [Fact]
    public void A_ticket_has_Proxmox_format_and_is_valid_for_two_hours_with_its_key_only()
    {
        const long now = 1_800_000_000;
        var ticket = Tickets.Create("alice@pve", now, "key-a");
        Assert.Matches("^PVE:alice@pve:[0-9A-F]{8}::[A-Za-z0-9+/]+$", ticket);
        Assert.Equal("alice@pve", Tickets.Verify(ticket, now + 7200, "key-a"));
        Assert.Null(Tickets.Verify(ticket, now + 7201, "key-a"));
        Assert.Null(Tickets.Verify(ticket, now - 301, "key-a"));
        Assert.Null(Tickets.Verify(ticket, now, "key-b"));
        Assert.Null(Tickets.Verify(ticket.Replace("alice@pve", "root@pam"), now, "key-a"));
        Assert.Null(Tickets.Verify(ticket, now, null));
    }

    [Fact]
    public void A_csrf_token_is_bound_to_its_user_and_key()
    {
        const long now = 1_800_000_000;
        var csrf = Tickets.Csrf("alice@pve", now, "key-a");
        Assert.True(Tickets.VerifyCsrf(csrf, "alice@pve", now + 100, "key-a"));
        Assert.False(Tickets.VerifyCsrf(csrf, "bob@pve", now, "key-a"));
        Assert.False(Tickets.VerifyCsrf(csrf, "alice@pve", now, "key-b"));
        Assert.False(Tickets.VerifyCsrf(csrf, "alice@pve", now + 7201, "key-a"));
        Assert.False(Tickets.VerifyCsrf("", "alice@pve", now, "key-a"));
    }

    [Theory]
    [InlineData("alice@pve", true)]
    [InlineData("root@pam", true)]
    [InlineData("alice", false)]
    [InlineData("al:ice@pve", false)]
    [InlineData("alice@1pve", false)]
    public void User_ids_follow_Proxmox_syntax(string id, bool valid) => Assert.Equal(valid, AccessIds.IsUserId(id));

    [Theory]
    [InlineData("//vms//100/", "/vms/100")]
    [InlineData("vms", "/vms")]
    [InlineData("", null)]
    [InlineData("/vms/1 00", null)]
    public void Paths_are_normalized_as_Proxmox_does(string path, string? expected) => Assert.Equal(expected, AccessIds.NormalizePath(path));
}
