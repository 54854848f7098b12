using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Fabric;
using Orleans.Configuration;
using Orleans.Runtime;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>Looks inside a running cluster as an Orleans client (ADO.NET clustering): where grains are active.</summary>
public static class ClusterInspector
{
    /// <summary>How many of the platform's grains are active on each silo, by silo port.</summary>
    public static async Task<Dictionary<int, int>> ActivationsBySiloPortAsync(string connectionString, string clientCertificate)
    {
        var (silos, statistics) = await GrainStatisticsAsync(connectionString, clientCertificate);
        return silos.ToDictionary(
            silo => silo.Endpoint.Port,
            silo => statistics.Count(s => s.SiloAddress.Equals(silo) && s.GrainType.Contains("MyOwnCluster", StringComparison.Ordinal)));
    }

    /// <summary>The ports of the silos where a grain whose class name contains <paramref name="grainClass"/> is active.</summary>
    public static async Task<IReadOnlyList<int>> SiloPortsHostingAsync(string connectionString, string clientCertificate, string grainClass)
    {
        var (_, statistics) = await GrainStatisticsAsync(connectionString, clientCertificate);
        return statistics.Where(s => s.GrainType.Contains(grainClass, StringComparison.Ordinal)).Select(s => s.SiloAddress.Endpoint.Port).Distinct().ToList();
    }

    private static async Task<(SiloAddress[] Silos, DetailedGrainStatistic[] Statistics)> GrainStatisticsAsync(string connectionString, string clientCertificate)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseFabricTls(clientCertificate);
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = "moc";
                cluster.ServiceId = "my-own-cluster";
            });
            client.UseAdoNetClustering(adoNet =>
            {
                adoNet.Invariant = "Npgsql";
                adoNet.ConnectionString = connectionString;
            });
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var management = host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
            var silos = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
            return (silos, await management.GetDetailedGrainStatistics(null, silos));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
