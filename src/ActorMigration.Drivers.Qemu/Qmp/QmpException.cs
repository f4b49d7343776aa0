namespace ActorMigration.Drivers.Qemu.Qmp;

/// <summary>A QMP command answered with an error; <see cref="Desc"/> is QEMU's own text.</summary>
public sealed class QmpException(string command, string errorClass, string desc)
    : Exception($"QMP {command} failed: {desc}")
{
    public string Command { get; } = command;
    public string ErrorClass { get; } = errorClass;
    public string Desc { get; } = desc;
}
