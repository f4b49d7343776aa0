using System.Collections.Concurrent;
using System.Reflection;
using ActorMigration.Domain.Cluster;
using ActorMigration.Drivers.Abstractions;

namespace ActorMigration.Drivers.Tests.Node;

/// <summary>A node driver that records every hypervisor and storage call it passes on, and can fail chosen calls.</summary>
public sealed class CountingDriver(INodeDriver inner) : INodeDriver
{
    private readonly ConcurrentQueue<string> _calls = new();
    private IHypervisorDriver? _hypervisor;
    private IStorageDriver? _storage;

    /// <summary>Called before each call with its method name and arguments; an exception it throws is the call's.</summary>
    public Action<string, object?[]>? Before { get; set; }

    public IReadOnlyList<string> Calls => _calls.ToList();

    public int Count(string method) => _calls.Count(c => c == method);

    public void Reset() => _calls.Clear();

    public NodeSettings Settings => inner.Settings;
    public IHypervisorDriver Hypervisor => _hypervisor ??= Recording<IHypervisorDriver>.Create(inner.Hypervisor, this);
    public IStorageDriver Storage => _storage ??= Recording<IStorageDriver>.Create(inner.Storage, this);
    public IConntrackDriver Conntrack => inner.Conntrack;
    public Task<NodeFacts> GetFactsAsync(CancellationToken ct = default) => inner.GetFactsAsync(ct);
    public Task<NodeStatus> GetStatusAsync(CancellationToken ct = default) => inner.GetStatusAsync(ct);
    public ValueTask DisposeAsync() => inner.DisposeAsync();

    public class Recording<T> : DispatchProxy where T : class
    {
        private T _inner = null!;
        private CountingDriver _owner = null!;

        public static T Create(T inner, CountingDriver owner)
        {
            var proxy = Create<T, Recording<T>>();
            var r = (Recording<T>)(object)proxy;
            (r._inner, r._owner) = (inner, owner);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            var name = method!.Name;
            if (name.EndsWith("Async", StringComparison.Ordinal)) _owner._calls.Enqueue(name);
            try
            {
                _owner.Before?.Invoke(name, args ?? []);
            }
            catch (Exception e)
            {
                return Failed(method.ReturnType, e);
            }
            return method.Invoke(_inner, args);
        }

        private static object Failed(Type returnType, Exception e)
        {
            if (!returnType.IsGenericType) return Task.FromException(e);
            var fromException = typeof(Task).GetMethod(nameof(Task.FromException), 1, [typeof(Exception)])!;
            return fromException.MakeGenericMethod(returnType.GetGenericArguments()[0]).Invoke(null, [e])!;
        }
    }
}
