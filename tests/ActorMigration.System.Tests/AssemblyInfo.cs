// The system tests drive real QEMU, qemu-img and unix file modes: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
