using ActorMigration.Api.Http;
using ActorMigration.Domain.Config;

namespace ActorMigration.Api.Tests.Fidelity;

/// <summary>The one random source of new MACs (moved here from the domain's NetSpec with its tests).</summary>
public sealed class FreshIdSourceTests
{
    [Fact]
    public void Random_mac_keeps_the_prefix_uppercased_and_is_random()
    {
        var macs = Enumerable.Range(0, 200).Select(_ => FreshIdSource.RandomMac("BC:24:11")).ToList();
        Assert.All(macs, m =>
        {
            Assert.Matches("^BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$", m);
            Assert.True(NetSpec.IsValidMac(m));
        });
        Assert.True(macs.Distinct().Count() > 190);

        Assert.Matches("^02:AB:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$", FreshIdSource.RandomMac("02:ab"));
        Assert.Matches("^BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$", FreshIdSource.RandomMac("bc:24:11:"));
    }

    [Fact]
    public void Random_mac_without_prefix_is_unicast_and_locally_administered()
    {
        // PVE::Tools::random_ether_addr: vec($rand, 0, 8) = (vec($rand, 0, 8) & 0xfe) | 2
        for (var i = 0; i < 256; i++)
        {
            var first = Convert.ToByte(FreshIdSource.RandomMac("")[..2], 16);
            Assert.True((first & 0x01) == 0, $"multicast MAC generated: first octet {first:X2}");
            Assert.True((first & 0x02) == 0x02, $"not locally administered: first octet {first:X2}");
        }
    }

    [Fact]
    public void New_ids_have_one_mac_per_nic_key_and_two_distinct_uuids()
    {
        var ids = FreshIdSource.New(["memory", "net0", "net3", "net0", "scsi0"], "BC:24:11");
        Assert.Equal(["net0", "net3"], ids.Macs!.Keys.Order());
        Assert.NotEqual(ids.Macs["net0"], ids.Macs["net3"]);
        Assert.NotEqual(ids.SmbiosUuid, ids.VmGenId);
    }
}
