using System.Diagnostics;
using System.Net;
using ActorMigration.Api.Http;

namespace ActorMigration.Api.Tests.Access;

/// <summary>
/// Failed logins are delayed per source address and per user, and parallel attempts queue: N wrong guesses in
/// parallel take about N × delay (a per-request delay would take 1 × delay), while a correct login from another
/// address does not wait behind them.
/// </summary>
[Collection(AccessCollection.Name)]
public sealed class ThrottleTests(AccessFixture f)
{
    private const int Delay = AccessFixture.FailDelayMs;

    [Fact]
    public async Task Parallel_wrong_passwords_from_one_address_queue_and_another_address_logs_in_at_once()
    {
        var user = await f.CreateUser("right-pass");
        using var attacker = f.From("127.0.0.1");
        using var other = f.From("127.0.0.2");
        var clock = Stopwatch.StartNew();
        var guesses = Enumerable.Range(0, 6).Select(i => TicketSession.Login(attacker, user, $"wrong-{i}")).ToList();
        await Task.Delay(100);
        var honest = Stopwatch.StartNew();
        var ok = await TicketSession.Login(other, user, "right-pass");
        honest.Stop();
        var results = await Task.WhenAll(guesses);
        clock.Stop();
        Assert.All(results, r => Assert.Equal(HttpStatusCode.Unauthorized, r.Status));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        // 6 × 300 ms queued = 1.8 s; per-request delays would end all six after about 0.3 s.
        Assert.True(clock.ElapsedMilliseconds >= 6 * Delay * 0.9, $"6 parallel failures took {clock.ElapsedMilliseconds} ms");
        Assert.True(honest.ElapsedMilliseconds < 3 * Delay, $"the correct login from elsewhere took {honest.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Parallel_wrong_tokens_from_one_address_queue()
    {
        using var attacker = f.From("127.0.0.3");
        var clock = Stopwatch.StartNew();
        var tries = Enumerable.Range(0, 5).Select(async i =>
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, "/api2/json/version");
            req.Headers.TryAddWithoutValidation("Authorization", $"PVEAPIToken=root@pam!admin=00000000-0000-0000-0000-00000000000{i}");
            using var resp = await attacker.SendAsync(req);
            return resp.StatusCode;
        }).ToList();
        var codes = await Task.WhenAll(tries);
        Assert.All(codes, c => Assert.Equal(HttpStatusCode.Unauthorized, c));
        Assert.True(clock.ElapsedMilliseconds >= 5 * Delay * 0.9, $"5 parallel failures took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Failures_for_one_user_queue_across_addresses_and_other_users_are_not_held()
    {
        var throttle = new LoginThrottle(200);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => throttle.AttemptAsync($"10.0.0.{i}", "alice@pve", () => Task.FromResult<string?>(null))));
        Assert.True(clock.ElapsedMilliseconds >= 4 * 200 * 0.9, $"took {clock.ElapsedMilliseconds} ms");

        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => throttle.AttemptAsync($"10.0.1.{i}", $"u{i}@pve", () => Task.FromResult<string?>(null))));
        Assert.True(clock.ElapsedMilliseconds < 4 * 200 * 0.75, $"independent failures took {clock.ElapsedMilliseconds} ms");

        var slow = throttle.AttemptAsync("10.0.2.1", "bob@pve", () => Task.FromResult<string?>(null));
        clock.Restart();
        Assert.Equal("bob@pve", await throttle.AttemptAsync("10.0.2.2", "bob@pve", () => Task.FromResult<string?>("bob@pve")));
        Assert.True(clock.ElapsedMilliseconds < 100, $"a success waited {clock.ElapsedMilliseconds} ms");
        await slow;
    }
}
