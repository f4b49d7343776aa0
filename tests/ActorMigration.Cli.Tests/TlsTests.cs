using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorMigration.Cli.Api;
using ActorMigration.Cli.Tests.Fakes;
using Spectre.Console.Testing;
using static ActorMigration.Cli.Tests.Fakes.CliRun;

namespace ActorMigration.Cli.Tests;

/// <summary>
/// The real TLS handler against a fake server with a self-signed certificate: a pinned pve-ssl.pem, and trust on first
/// use (asked on a terminal, or accepted with --fingerprint / AM_FINGERPRINT, refused otherwise; a changed certificate
/// refused loudly). A refused connection never sends the request.
/// </summary>
public class TlsTests
{
    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    private static string NewDataDir() => Directory.CreateTempSubdirectory("amctl-").FullName;

    private static async Task<Result> NextId(FakePve pve, string dir, X509Certificate2? pin = null, string[]? extra = null,
        Dictionary<string, string>? env = null, Func<string?>? readLine = null)
    {
        if (pin is not null) await File.WriteAllTextAsync(Path.Combine(dir, "pve-ssl.pem"), pin.ExportCertificatePem());
        var vars = new Dictionary<string, string>(env ?? []) { ["AM_DATA_DIR"] = dir, ["AM_POLL_MS"] = "10" };
        var console = new TestConsole().Width(250);
        var code = await Program.Run(["nextid", "--api", pve.Url, "--token", Token, .. extra ?? []], new CliOptions
        {
            Console = console,
            Env = name => vars.GetValueOrDefault(name),
            ReadLine = readLine,
        });
        // Long messages wrap at the console's width: compare them with single spaces.
        return new Result(code, System.Text.RegularExpressions.Regex.Replace(console.Output, @"\s+", " "));
    }

    private static async Task<FakePve> Server(X509Certificate2 cert)
    {
        var pve = await FakePve.StartAsync(cert);
        pve.On("GET", "cluster/nextid", Reply.Data("\"100\""));
        Assert.StartsWith("https://", pve.Url);
        return pve;
    }

    private static string Fingerprint(X509Certificate2 cert) => KnownServers.Fingerprint(cert.RawData);

    [Fact]
    public async Task An_unknown_certificate_is_refused_without_a_terminal_naming_its_fingerprint()
    {
        using var cert = SelfSigned("pve1");
        await using var pve = await Server(cert);
        var dir = NewDataDir();

        var r = await NextId(pve, dir);

        Assert.Equal(1, r.Code);
        Assert.Contains($"is not known: SHA-256 fingerprint {Fingerprint(cert)}", r.Output);
        Assert.Contains($"--fingerprint {Fingerprint(cert)}", r.Output);
        Assert.Empty(pve.Requests);
        Assert.False(File.Exists(Path.Combine(dir, "known-servers")));
    }

    [Fact]
    public async Task The_fingerprint_option_accepts_the_certificate_once_and_the_pin_is_kept()
    {
        using var cert = SelfSigned("pve1");
        await using var pve = await Server(cert);
        var dir = NewDataDir();

        var first = await NextId(pve, dir, extra: ["--fingerprint", Fingerprint(cert).Replace(":", "").ToLowerInvariant()]);
        var second = await NextId(pve, dir);

        Assert.Equal((0, "100"), (first.Code, first.Output.Trim()));
        Assert.Equal((0, "100"), (second.Code, second.Output.Trim()));
        var pins = await File.ReadAllLinesAsync(Path.Combine(dir, "known-servers"));
        Assert.Equal([$"{new Uri(pve.Url).Host}:{new Uri(pve.Url).Port} {Fingerprint(cert)}"], pins);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "known-servers")));
    }

    [Fact]
    public async Task A_wrong_fingerprint_in_the_environment_is_refused()
    {
        using var cert = SelfSigned("pve1");
        using var other = SelfSigned("other");
        await using var pve = await Server(cert);
        var dir = NewDataDir();

        var r = await NextId(pve, dir, env: new() { ["AM_FINGERPRINT"] = Fingerprint(other) });
        var right = await NextId(pve, NewDataDir(), env: new() { ["AM_FINGERPRINT"] = Fingerprint(cert) });

        Assert.Equal(1, r.Code);
        Assert.Contains($"has the SHA-256 fingerprint {Fingerprint(cert)}, not the one given", r.Output);
        Assert.False(File.Exists(Path.Combine(dir, "known-servers")));
        Assert.Equal(0, right.Code);
        Assert.Single(pve.Requests);
    }

    [Fact]
    public async Task On_a_terminal_the_user_is_asked_and_yes_pins_the_certificate()
    {
        using var cert = SelfSigned("pve1");
        await using var pve = await Server(cert);
        var dir = NewDataDir();
        var answers = new Queue<string>(["maybe", "yes"]);

        var r = await NextId(pve, dir, readLine: answers.Dequeue);

        Assert.Equal(0, r.Code);
        Assert.Contains($"SHA-256 fingerprint is {Fingerprint(cert)}", r.Output);
        Assert.Contains("(yes/no)?", r.Output);
        Assert.Empty(answers);
        Assert.Contains(Fingerprint(cert), await File.ReadAllTextAsync(Path.Combine(dir, "known-servers")));
        // Now known: not asked again.
        Assert.Equal(0, (await NextId(pve, dir, readLine: () => throw new InvalidOperationException("asked again"))).Code);
    }

    [Fact]
    public async Task On_a_terminal_no_refuses_and_pins_nothing()
    {
        using var cert = SelfSigned("pve1");
        await using var pve = await Server(cert);
        var dir = NewDataDir();

        var r = await NextId(pve, dir, readLine: () => "no");

        Assert.Equal(1, r.Code);
        Assert.Contains("was not accepted", r.Output);
        Assert.Empty(pve.Requests);
        Assert.False(File.Exists(Path.Combine(dir, "known-servers")));
    }

    [Fact]
    public async Task A_changed_certificate_is_refused_loudly_even_with_a_terminal()
    {
        using var cert = SelfSigned("pve1");
        using var impostor = SelfSigned("pve1");
        var dir = NewDataDir();
        string url;
        await using (var pve = await Server(cert))
        {
            Assert.Equal(0, (await NextId(pve, dir, extra: ["--fingerprint", Fingerprint(cert)])).Code);
            url = pve.Url;
        }
        await using var evil = await Server(impostor);
        var server = $"{new Uri(evil.Url).Host}:{new Uri(evil.Url).Port}";
        // The impostor may listen on another port; the pin is per host:port, so move the pin to it.
        await File.WriteAllTextAsync(Path.Combine(dir, "known-servers"), $"{server} {Fingerprint(cert)}\n");

        var r = await NextId(evil, dir, extra: ["--fingerprint", Fingerprint(impostor)], readLine: () => "yes");

        Assert.Equal(1, r.Code);
        Assert.Contains($"the certificate of {server} has CHANGED: its SHA-256 fingerprint is {Fingerprint(impostor)}", r.Output);
        Assert.Contains($"pins {Fingerprint(cert)}", r.Output);
        Assert.Empty(evil.Requests);
        Assert.Equal($"{server} {Fingerprint(cert)}", (await File.ReadAllTextAsync(Path.Combine(dir, "known-servers"))).Trim());
    }

    [Fact]
    public async Task Pinned_certificate_must_match()
    {
        using var cert = SelfSigned("pve1");
        using var other = SelfSigned("impostor");
        await using var pve = await Server(cert);

        var good = await NextId(pve, NewDataDir(), pin: cert);
        var bad = await NextId(pve, NewDataDir(), pin: other, readLine: () => "yes");

        Assert.Equal(0, good.Code);
        Assert.Equal(1, bad.Code);
        Assert.Contains("does not match", bad.Output);
        Assert.Single(pve.Requests); // the rejected connection never sent the request
    }
}
