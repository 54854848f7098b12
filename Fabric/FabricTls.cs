using System.Net;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace MyOwnCluster.Fabric;

/// <summary>
/// Mutual TLS on every Orleans connection: silo to silo, and client to gateway. Both ends present a certificate of the
/// cluster CA; the silo port takes silos only, the gateway port silos and clients; a connection without one is
/// refused at the handshake.
/// </summary>
public static class FabricTls
{
    // Which listener the handshake in progress arrived on: set from the connection before the handshake, read by the
    // certificate check that runs inside it (Orleans gives that check the certificate only).
    private static readonly AsyncLocal<int?> InboundPort = new();

    public static ISiloBuilder UseFabricTls(this ISiloBuilder silo, ClusterCredentials credentials, int siloPort) =>
        silo.UseTls(credentials.Certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.OnAuthenticateAsServer = (connection, _) =>
                InboundPort.Value = (connection.LocalEndPoint as IPEndPoint)?.Port ?? siloPort;
            tls.OnAuthenticateAsClient = (_, options) =>
            {
                InboundPort.Value = null;
                options.TargetHost = "moc-silo";
            };
            tls.RemoteCertificateValidation = (certificate, _, _) =>
            {
                // Outbound (to another silo) or inbound on the silo port: the peer must be a silo. Inbound on the
                // gateway port: a silo or a client.
                var role = InboundPort.Value is { } port && port != siloPort ? CertificateRole.Client : CertificateRole.Silo;
                return Accepts(certificate, credentials.Authority, role);
            };
        });

    /// <summary>An Orleans client presenting <paramref name="certificate"/>, trusting only silos of <paramref name="authority"/>.</summary>
    public static IClientBuilder UseFabricTls(this IClientBuilder client, X509Certificate2 certificate, X509Certificate2 authority) =>
        client.UseTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.OnAuthenticateAsClient = (_, options) => options.TargetHost = "moc-silo";
            tls.RemoteCertificateValidation = (remote, _, _) => Accepts(remote, authority, CertificateRole.Silo);
        });

    /// <summary>The client side, from a client certificate file (see <see cref="ClusterCredentials.LoadClient"/>).</summary>
    public static IClientBuilder UseFabricTls(this IClientBuilder client, string certificateFile)
    {
        var (certificate, authority) = ClusterCredentials.LoadClient(certificateFile);
        return client.UseFabricTls(certificate, authority);
    }

    private static bool Accepts(X509Certificate2 certificate, X509Certificate2 authority, CertificateRole role) =>
        FabricTrust.ChainsTo(certificate, authority) && FabricTrust.HasRole(certificate, role);
}
