// Real QEMU guests need the CPU: run the tests one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
