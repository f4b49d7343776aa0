using ActorMigration.Domain.Cluster;

namespace ActorMigration.Domain.Tests.Cluster;

public class PackageVersionTests
{
    [Theory]
    [InlineData("8.2.4", "8.2.4", 0)]
    [InlineData("8.2.10", "8.2.9", 1)]
    [InlineData("8.2.9", "8.2.10", -1)]
    [InlineData("9.0", "8.4.14", 1)]
    [InlineData("10.0.0", "9.99.99", 1)]
    [InlineData("8.2", "8.2.0", 0)]
    [InlineData("8.2.4-1", "8.2.4", 1)]
    [InlineData("8.2.4-2", "8.2.4-10", -1)]
    [InlineData("8.1.5", "8.2.0", -1)]
    [InlineData("6.8.12-4-pve", "6.8.12-10-pve", -1)]
    public void Numeric_comparison(string a, string b, int sign)
    {
        Assert.Equal(sign, Math.Sign(PackageVersion.Compare(a, b)));
        Assert.Equal(-sign, Math.Sign(PackageVersion.Compare(b, a)));
    }

    [Fact]
    public void Ordering_is_consistent_on_random_versions()
    {
        var r = new Random(3);
        var versions = Enumerable.Range(0, 60).Select(_ => $"{r.Next(6, 10)}.{r.Next(0, 12)}.{r.Next(0, 20)}").ToList();
        var sorted = versions.OrderBy(v => v, Comparer<string>.Create(PackageVersion.Compare)).ToList();
        var expected = versions.OrderBy(v => Version.Parse(v)).ToList();
        Assert.Equal(expected.Select(Version.Parse), sorted.Select(Version.Parse));
    }

    [Theory]
    [InlineData("8.2.4-pve2", "8.2.4-pve1", 1)]
    [InlineData("9.0.0~rc1", "9.0.0", -1)]
    [InlineData("9.0.0+pve1", "9.0.0", 1)]
    public void Debian_revisions_and_tilde_compare_like_dpkg(string a, string b, int sign)
    {
        Assert.Equal(sign, Math.Sign(PackageVersion.Compare(a, b)));
        Assert.Equal(-sign, Math.Sign(PackageVersion.Compare(b, a)));
    }
}
