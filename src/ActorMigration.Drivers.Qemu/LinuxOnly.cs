// QEMU, qemu-img and qemu-nbd: this driver runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
