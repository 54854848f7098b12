using Microsoft.Extensions.Configuration;

namespace MyOwnCluster.Silo.Hosting;

/// <summary>
/// Where settings come from, lowest priority first: defaults, orleans.json (or --config FILE), environment variables
/// named after the setting with <c>__</c> for <c>:</c> (<c>Egress__AllowedCidrs__0=127.0.0.1/32</c>), the MOC_*
/// shorthands, command-line flags.
/// </summary>
public static class SiloConfiguration
{
    private static readonly Dictionary<string, string> EnvironmentKeys = new()
    {
        ["MOC_DATA"] = "Moc:Data",
        ["MOC_HTTPS_PORT"] = "Moc:HttpsPort",
        ["MOC_LISTEN_ADDRESS"] = "Moc:ListenAddress",
        ["MOC_SILO_PORT"] = "Cluster:SiloPort",
        ["MOC_GATEWAY_PORT"] = "Cluster:GatewayPort",
        ["MOC_ADVERTISE"] = "Cluster:AdvertisedAddress",
        ["MOC_ROLE"] = "Cluster:Role",
        ["MOC_CLUSTER_CREDENTIALS"] = "Cluster:Tls:Directory",
        ["MOC_STORAGE"] = "Storage:Provider",
        ["MOC_CONNECTION_STRING"] = "Storage:ConnectionString",
    };

    private static readonly Dictionary<string, string> Switches = new()
    {
        ["--data"] = "Moc:Data",
        ["--https-port"] = "Moc:HttpsPort",
        ["--listen"] = "Moc:ListenAddress",
        ["--silo-port"] = "Cluster:SiloPort",
        ["--gateway-port"] = "Cluster:GatewayPort",
        ["--advertise"] = "Cluster:AdvertisedAddress",
        ["--role"] = "Cluster:Role",
        ["--cluster-credentials"] = "Cluster:Tls:Directory",
        ["--storage"] = "Storage:Provider",
        ["--connection-string"] = "Storage:ConnectionString",
        ["--config"] = "ConfigFile",
        ["--continuous-backup"] = "Backup:ContinuousDirectory",
    };

    /// <summary>
    /// Built-in defaults under every other source: without them a silo started outside the repository (no orleans.json
    /// in the working directory) would log every HTTP request at Information, which costs more than the request.
    /// </summary>
    private static readonly Dictionary<string, string?> Defaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Orleans"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
    };

    public static void Apply(IConfigurationManager configuration, string[] args)
    {
        configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = Defaults });
        var flags = new ConfigurationBuilder().AddCommandLine(args, Switches).Build();
        var file = flags["ConfigFile"] ?? Environment.GetEnvironmentVariable("MOC_CONFIG") ?? "orleans.json";
        if (flags["ConfigFile"] is not null && !File.Exists(file))
        {
            throw new FileNotFoundException($"configuration file '{file}' does not exist");
        }

        configuration.AddJsonFile(Path.GetFullPath(file), optional: true, reloadOnChange: false);
        configuration.AddEnvironmentVariables();
        configuration.AddInMemoryCollection(EnvironmentKeys
            .Where(entry => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(entry.Key)))
            .Select(entry => KeyValuePair.Create(entry.Value, Environment.GetEnvironmentVariable(entry.Key))));
        configuration.AddCommandLine(args, Switches);
    }
}
