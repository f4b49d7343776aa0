namespace ActorMigration.Api.Http;

/// <summary>
/// Brute-force brake. Every authentication attempt from one source address is checked in turn (a queue per
/// address), and a failed one keeps its address's queue, and its user's, for the fail delay. So N parallel wrong
/// guesses from one address take about N × delay, and failures for one user from many addresses queue as well,
/// while a correct attempt from another address never waits behind them.
/// </summary>
public sealed class LoginThrottle(int failDelayMs)
{
    private readonly Dictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    private sealed class Gate
    {
        public readonly SemaphoreSlim Lock = new(1, 1);
        public int Users;
    }

    public int FailDelayMs => failDelayMs;

    /// <summary>
    /// Runs <paramref name="verify"/> in the address's turn; on failure holds the address's and the user's turns for
    /// the delay before answering. Returns what <paramref name="verify"/> returned (null = failure).
    /// </summary>
    public async Task<T?> AttemptAsync<T>(string address, string? user, Func<Task<T?>> verify) where T : class
    {
        var byAddress = Enter("a:" + address);
        T? result;
        try
        {
            await byAddress.Lock.WaitAsync();
            try
            {
                result = await verify();
                if (result is null && failDelayMs > 0)
                {
                    var byUser = user is null ? null : Enter("u:" + user);
                    try
                    {
                        if (byUser is not null) await byUser.Lock.WaitAsync();
                        try
                        {
                            await Task.Delay(failDelayMs);
                        }
                        finally
                        {
                            byUser?.Lock.Release();
                        }
                    }
                    finally
                    {
                        if (byUser is not null) Leave("u:" + user, byUser);
                    }
                }
            }
            finally
            {
                byAddress.Lock.Release();
            }
        }
        finally
        {
            Leave("a:" + address, byAddress);
        }
        return result;
    }

    // Gates exist only while someone uses them, so made-up user names cannot fill memory.
    private Gate Enter(string key)
    {
        lock (_gates)
        {
            if (!_gates.TryGetValue(key, out var g)) _gates[key] = g = new Gate();
            g.Users++;
            return g;
        }
    }

    private void Leave(string key, Gate g)
    {
        lock (_gates)
            if (--g.Users == 0) _gates.Remove(key);
    }
}
