// qemu-live drives real QEMU through the Linux-only driver.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
