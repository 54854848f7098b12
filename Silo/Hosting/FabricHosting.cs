using MyOwnCluster.Fabric;

namespace MyOwnCluster.Silo.Hosting;

/// <summary>Finds the cluster credentials a silo starts with; anything missing or mismatched is a startup error.</summary>
public static class FabricHosting
{
    public static ClusterCredentials LoadCredentials(MocClusterOptions cluster, bool clusterMode, string dataDirectory)
    {
        var tls = cluster.Tls;
        var directory = tls.Directory is { Length: > 0 } configured ? configured : Path.Combine(dataDirectory, "cluster");
        var overrides = new FabricFiles(tls.CertificateFile, tls.AuthorityFile, tls.CodeKeyFile);
        var operatorFiles = overrides is { Certificate: not null, Authority: not null, CodeKey: not null };
        try
        {
            if (operatorFiles)
            {
                return ClusterCredentials.Load(directory, overrides);
            }

            if (!clusterMode && tls.Directory is not { Length: > 0 })
            {
                // A single node makes its own CA on first start, as it makes its HTTPS certificate.
                return ClusterCredentials.LoadOrCreate(directory);
            }

            if (!File.Exists(Path.Combine(directory, ClusterCredentials.AuthorityFile)))
            {
                throw new StartupException(
                    $"no cluster credentials in {directory}: every silo of a cluster needs the same ones. Create them once with " +
                    "'moc cluster init DIR', copy DIR to each machine and start every silo with --cluster-credentials DIR " +
                    "(Cluster:Tls:Directory, MOC_CLUSTER_CREDENTIALS)");
            }

            return ClusterCredentials.Load(directory, overrides);
        }
        catch (FabricCredentialsException e)
        {
            throw new StartupException(e.Message, e);
        }
    }
}
