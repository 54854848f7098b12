using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Fabric;
using MyOwnCluster.Functions;
using MyOwnCluster.Tests.Cluster;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>
/// The Orleans fabric (silo port, client gateway port) takes only connections that present a certificate of the
/// cluster's CA, in the right role: an Orleans client without one, or with one from another CA, gets nothing done.
/// </summary>
public sealed class FabricTlsTests : IAsyncLifetime
{
    private ServerProcess server = null!;

    private string Credentials => Path.Combine(server.DataDirectory, "cluster");

    public async Task InitializeAsync() => server = await ServerProcess.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task An_orleans_client_without_a_certificate_cannot_register_a_function()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RegisterThroughOrleansAsync(certificate: null, "no-certificate"));
        Assert.DoesNotContain("registered", error.Message, StringComparison.Ordinal);
        await AssertNotRegisteredAsync("no-certificate");
    }

    [Fact]
    public async Task A_client_certificate_from_another_ca_is_refused_and_the_clusters_own_is_accepted()
    {
        var foreign = Path.Combine(TempDirectory.Create("moc-foreign"), "cluster");
        try
        {
            Assert.Equal(0, await RunCliAsync("cluster", "init", foreign));
            await Assert.ThrowsAnyAsync<Exception>(() => RegisterThroughOrleansAsync(Path.Combine(foreign, "client.pem"), "foreign"));
            await AssertNotRegisteredAsync("foreign");

            // A second client certificate issued by the cluster's own CA is good for the gateway port.
            var issued = Path.Combine(Path.GetDirectoryName(foreign)!, "ops.pem");
            Assert.Equal(0, await RunCliAsync("cluster", "client", Credentials, "ops", "--out", issued));
            await RegisterThroughOrleansAsync(issued, "issued-client");
            using var client = server.CreateClient();
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync(Api.Prefix + "function/issued-client")).StatusCode);
        }
        finally
        {
            TempDirectory.Delete(Path.GetDirectoryName(foreign)!);
        }
    }

    [Fact]
    public async Task The_silo_port_takes_silo_certificates_only_and_the_gateway_port_takes_clients()
    {
        var client = Path.Combine(Credentials, ClusterCredentials.ClientFile);
        var silo = Path.Combine(Credentials, ClusterCredentials.SiloFile);
        Assert.False(await HandshakeAsync(server.SiloPort, client), "a client certificate was accepted on the silo port");
        Assert.False(await HandshakeAsync(server.SiloPort, certificateFile: null), "no certificate was accepted on the silo port");
        Assert.False(await HandshakeAsync(server.GatewayPort, certificateFile: null), "no certificate was accepted on the gateway port");
        Assert.True(await HandshakeAsync(server.SiloPort, silo), "the silo certificate was refused on the silo port");
        Assert.True(await HandshakeAsync(server.GatewayPort, client), "the client certificate was refused on the gateway port");
    }

    [Fact]
    public void The_cluster_credentials_are_readable_by_their_owner_only()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Credentials));
        foreach (var file in Directory.GetFiles(Credentials))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    /// <summary>
    /// A TLS 1.2 handshake (the server's verdict on the client's certificate arrives within it) presenting the
    /// certificate of <paramref name="certificateFile"/>; true when the server accepted it.
    /// </summary>
    private async Task<bool> HandshakeAsync(int port, string? certificateFile)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        // Trusts the cluster's CA only: what is under test is the server's verdict on the client's certificate.
        var authority = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(Credentials, ClusterCredentials.AuthorityFile)));
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false,
            (_, remote, _, _) => remote is X509Certificate2 silo && FabricTrust.ChainsTo(silo, authority));
        var certificates = new X509CertificateCollection();
        if (certificateFile is not null)
        {
            certificates.Add(ClusterCredentials.LoadClient(certificateFile).Certificate);
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "moc-silo",
                ClientCertificates = certificates,
                EnabledSslProtocols = SslProtocols.Tls12,
            }, timeout.Token);
            // Under TLS 1.2 a refused client certificate ends the handshake; make sure the server kept the connection.
            tls.ReadTimeout = 1000;
            var read = tls.ReadAsync(new byte[1]).AsTask();
            var finished = await Task.WhenAny(read, Task.Delay(1000)) == read;
            return !finished || read is { IsCompletedSuccessfully: true, Result: > 0 };
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RegisterThroughOrleansAsync(string? certificate, string name)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseLocalhostClustering(server.GatewayPort, "my-own-cluster", "moc");
            if (certificate is not null)
            {
                client.UseFabricTls(certificate);
            }
        });
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StartAsync(timeout.Token);
        try
        {
            var wasm = Wat.ToWasm("(module (func (export \"f\") (result i32) (i32.const 1)))");
            var registered = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IFunctionGrain>(name)
                .RegisterAsync(new RegisterBlobRequest(name, "application/wasm", wasm))
                .WaitAsync(timeout.Token);
            Assert.Null(registered.Error);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private async Task AssertNotRegisteredAsync(string name)
    {
        using var client = server.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/" + name)).StatusCode);
    }

    private static async Task<int> RunCliAsync(params string[] args)
    {
        var output = new StringWriter();
        var code = await MyOwnCluster.Cli.CliApp.RunAsync(args, output, output);
        Assert.True(code == 0, output.ToString());
        return code;
    }
}
