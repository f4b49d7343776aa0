using ActorMigration.Drivers.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorMigration.Drivers.Simulated;

/// <summary>Creates simulated node drivers ("sim"). Nodes created by one factory share its fault counters.</summary>
public sealed class SimulatedNodeDriverFactory : INodeDriverFactory
{
    private readonly TimeProvider _time;
    private readonly FaultInjector _faults;
    private readonly ILoggerFactory _loggers;

    /// <param name="loggers">Where the drivers log (the host's logger factory); none: they log nothing.</param>
    public SimulatedNodeDriverFactory(SimulationOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        options.Validate();
        Options = options;
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _faults = new FaultInjector(options.Faults.ToList(), options.FaultStateFile, _loggers.CreateLogger<FaultInjector>());
    }

    /// <summary>Options from string pairs (see <see cref="SimulationOptionsParser"/>).</summary>
    public static SimulatedNodeDriverFactory FromDictionary(IEnumerable<KeyValuePair<string, string>> values, TimeProvider? time = null,
        ILoggerFactory? loggers = null) =>
        new(SimulationOptionsParser.FromDictionary(values), time, loggers);

    /// <summary>Options from a JSON or <c>key = value</c> file.</summary>
    public static SimulatedNodeDriverFactory FromFile(string path, TimeProvider? time = null, ILoggerFactory? loggers = null) =>
        new(SimulationOptionsParser.Load(path), time, loggers);

    public string Name => "sim";
    public SimulationOptions Options { get; }

    public INodeDriver Create(NodeSettings settings) => new SimulatedNodeDriver(settings, Options, _time, _faults, _loggers);
}
