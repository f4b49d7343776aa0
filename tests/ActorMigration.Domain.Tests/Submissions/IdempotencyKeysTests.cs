using ActorMigration.Domain.Submissions;

namespace ActorMigration.Domain.Tests.Submissions;

public sealed class IdempotencyKeysTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("a")]
    [InlineData("order 42 / retry")]
    [InlineData("~!@#$%^&*()_+{}|:\"<>?")]
    public void Printable_ascii_of_1_to_128_characters_is_a_key(string key) => Assert.Null(IdempotencyKeys.Check(key));

    [Theory]
    [InlineData("")]
    [InlineData("tab\t")]
    [InlineData("é")]
    [InlineData("nl\n")]
    public void Anything_else_is_not(string key) => Assert.NotNull(IdempotencyKeys.Check(key));

    [Fact]
    public void The_length_limit_is_128()
    {
        Assert.Null(IdempotencyKeys.Check(new string('k', 128)));
        Assert.NotNull(IdempotencyKeys.Check(new string('k', 129)));
    }

    [Fact]
    public void The_same_key_of_two_users_names_two_claims()
    {
        Assert.NotEqual(IdempotencyKeys.EntityId("alice@pve", "k"), IdempotencyKeys.EntityId("bob@pve", "k"));
        Assert.Equal(IdempotencyKeys.EntityId("alice@pve", "k"), IdempotencyKeys.EntityId("alice@pve", "k"));
        Assert.Matches("^[0-9a-f]{32}$", IdempotencyKeys.EntityId("alice@pve", "k"));
    }

    [Fact]
    public void The_fingerprint_ignores_parameter_order_but_not_method_path_or_values()
    {
        var a = IdempotencyKeys.Fingerprint("POST", "/nodes/n1/qemu/100/migrate", [new("target", "n2"), new("online", "1")]);
        Assert.Equal(a, IdempotencyKeys.Fingerprint("post", "/nodes/n1/qemu/100/migrate", [new("online", "1"), new("target", "n2")]));
        Assert.NotEqual(a, IdempotencyKeys.Fingerprint("PUT", "/nodes/n1/qemu/100/migrate", [new("target", "n2"), new("online", "1")]));
        Assert.NotEqual(a, IdempotencyKeys.Fingerprint("POST", "/nodes/n1/qemu/101/migrate", [new("target", "n2"), new("online", "1")]));
        Assert.NotEqual(a, IdempotencyKeys.Fingerprint("POST", "/nodes/n1/qemu/100/migrate", [new("target", "n3"), new("online", "1")]));
        Assert.NotEqual(a, IdempotencyKeys.Fingerprint("POST", "/nodes/n1/qemu/100/migrate", [new("target", "n2")]));
        // A value cannot smuggle another parameter in.
        Assert.NotEqual(IdempotencyKeys.Fingerprint("POST", "/p", [new("a", "1\nb=2")]),
            IdempotencyKeys.Fingerprint("POST", "/p", [new("a", "1"), new("b", "2")]));
    }

    [Fact]
    public void A_claim_holds_24_hours()
    {
        Assert.False(IdempotencyKeys.Expired(T0, T0.AddHours(24).AddTicks(-1)));
        Assert.True(IdempotencyKeys.Expired(T0, T0.AddHours(24)));
    }
}
