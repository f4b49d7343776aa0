using Akka.Actor;
using Prometheus;

namespace ActorMigration.Actors.Metrics;

/// <summary>
/// The member's Prometheus metrics (docs/metrics.md): one registry per actor system, so that members started in one
/// process (tests) do not mix; <c>GET /metrics</c> exports it. The actors feed it through small hooks.
/// </summary>
public sealed class MemberMetrics : IExtension
{
    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public WorkflowMetrics Workflows { get; }

    public MigrationMetrics Migrations { get; }

    public QueueMetrics Queue { get; }

    public MemberMetrics()
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        Workflows = new WorkflowMetrics(factory);
        Migrations = new MigrationMetrics(factory);
        Queue = new QueueMetrics(factory);
    }

    public static MemberMetrics Get(ActorSystem system) => system.WithExtension<MemberMetrics, MemberMetricsProvider>();
}

public sealed class MemberMetricsProvider : ExtensionIdProvider<MemberMetrics>
{
    public override MemberMetrics CreateExtension(ExtendedActorSystem system) => new();
}

/// <summary>The migration queue's length, exported by the member that hosts the queue singleton.</summary>
public sealed class QueueMetrics(IMetricFactory factory)
{
    private readonly Gauge _length = factory.CreateGauge("actormigration_migration_queue_length",
        "Migrations in the durable migration queue: holding a slot (running) or waiting for one (queued).", ["state"]);

    public void Set(int running, int queued)
    {
        _length.WithLabels("running").Set(running);
        _length.WithLabels("queued").Set(queued);
    }

    /// <summary>The singleton left this member: its numbers are another member's now.</summary>
    public void Clear()
    {
        _length.RemoveLabelled("running");
        _length.RemoveLabelled("queued");
    }
}
