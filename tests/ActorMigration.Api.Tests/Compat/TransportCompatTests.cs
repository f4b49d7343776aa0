using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using ActorMigration.Api.Setup;
using ActorMigration.Api.Tests.Infrastructure;
using ActorMigration.Api.Tests.Validation;

namespace ActorMigration.Api.Tests.Compat;

/// <summary>The HTTPS listener with its self-signed certificate, and the admin token file.</summary>
[Collection(CompatCollection.Name)]
public sealed class TransportCompatTests(ServerFixture f)
{
    private HttpClient Https(Action<X509Certificate2?>? seen = null, Version? version = null)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                seen?.Invoke(cert);
                return true; // verify_ssl=False, as Proxmox clients do with the self-signed certificate
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://127.0.0.1:{f.Server.HttpsPort}"),
            DefaultRequestVersion = version ?? HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    [Fact]
    public async Task Https_listener_serves_the_api_with_a_self_signed_certificate()
    {
        X509Certificate2? cert = null;
        using var http = Https(c => cert ??= c is null ? null : X509CertificateLoader.LoadCertificate(c.RawData));
        var client = new WireClient(http, f.Server.Token);
        using var resp = await client.SendRaw(HttpMethod.Get, "/version", [], null);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(HttpVersion.Version11, resp.Version);
        Assert.Equal("application/json;charset=UTF-8", WireClient.RawContentType(resp));
        Assert.NotNull(cert);
        Assert.Equal(cert!.Subject, cert.Issuer);
        var onDisk = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(f.Server.DataDir, "pve-ssl.pem")));
        Assert.Equal(onDisk.Thumbprint, cert.Thumbprint);
    }

    [Fact]
    public async Task Https_stays_on_http_1_1_when_the_client_offers_http_2()
    {
        using var http = Https(version: HttpVersion.Version20);
        var client = new WireClient(http, f.Server.Token);
        using var resp = await client.SendRaw(HttpMethod.Get, "/nodes/nodeX", [], null);
        Assert.Equal(HttpVersion.Version11, resp.Version);
        // HTTP/2 has no reason phrase; on 1.1 the message survives.
        Assert.Equal("no such cluster node 'nodeX'", resp.ReasonPhrase);
    }

    [Fact]
    public async Task Https_refuses_without_a_token_like_http()
    {
        using var http = Https();
        var r = await new WireClient(http, null).Get("/nodes");
        Expect.Unauthorized(r, "No ticket");
    }

    [Fact]
    public async Task Default_certificate_validation_rejects_the_self_signed_certificate()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"https://127.0.0.1:{f.Server.HttpsPort}"), Timeout = TimeSpan.FromSeconds(30) };
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/api2/json/version"));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Admin_token_file_is_private_and_well_formed()
    {
        var file = Path.Combine(f.Server.DataDir, DataDirectory.TokenFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var text = File.ReadAllText(file);
        Assert.Matches(new Regex("^root@pam!admin=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n?$"), text);
        Assert.Equal(text.Trim(), f.Server.Token);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Tls_key_is_private()
    {
        var key = Path.Combine(f.Server.DataDir, "pve-ssl.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
    }
}
