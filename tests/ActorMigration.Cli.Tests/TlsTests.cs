using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorMigration.Cli.Tests.Fakes;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

/// <summary>The real TLS handler against a fake server with a self-signed certificate.</summary>
public class TlsTests
{
    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    private static async Task<Result> NextId(FakePve pve, X509Certificate2? pin)
    {
        var dir = Directory.CreateTempSubdirectory("amctl-").FullName;
        if (pin is not null) await File.WriteAllTextAsync(Path.Combine(dir, "pve-ssl.pem"), pin.ExportCertificatePem());
        return await RunRaw(["nextid", "--api", pve.Url, "--token", Token], new() { ["AM_DATA_DIR"] = dir });
    }

    [Fact]
    public async Task Self_signed_certificate_is_accepted_without_a_pin()
    {
        using var cert = SelfSigned("pve1");
        await using var pve = await FakePve.StartAsync(cert);
        pve.On("GET", "cluster/nextid", Reply.Data("\"100\""));
        Assert.StartsWith("https://", pve.Url);

        var r = await NextId(pve, pin: null);

        Assert.Equal((0, "100"), (r.Code, r.Output.Trim()));
    }

    [Fact]
    public async Task Pinned_certificate_must_match()
    {
        using var cert = SelfSigned("pve1");
        using var other = SelfSigned("impostor");
        await using var pve = await FakePve.StartAsync(cert);
        pve.On("GET", "cluster/nextid", Reply.Data("\"100\""));

        var good = await NextId(pve, pin: cert);
        var bad = await NextId(pve, pin: other);

        Assert.Equal(0, good.Code);
        Assert.Equal(1, bad.Code);
        Assert.Contains("does not match", bad.Output);
        Assert.Single(pve.Requests); // the rejected connection never sent the request
    }
}
