using System.Diagnostics;
using Npgsql;

namespace MyOwnCluster.Tests.Support;

/// <summary>
/// A private PostgreSQL (Debian's postgresql-15) on a free loopback port with trust authentication, in a temporary
/// directory that is removed at the end. PostgreSQL refuses to run as root, so as root its processes run as the
/// <c>postgres</c> OS user (runuser) over a directory that user owns.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private readonly string directory;
    private readonly Lazy<string> credentials = new(() =>
    {
        var path = Path.Combine(TempDirectory.Create("moc-credentials"), "cluster");
        Fabric.ClusterCredentials.Create(path);
        return path;
    });

    private PostgresServer(string directory, int port)
    {
        this.directory = directory;
        Port = port;
    }

    /// <summary>The cluster credentials (as <c>moc cluster init</c> makes them) every silo on this server shares.</summary>
    public string CredentialsDirectory => credentials.Value;

    /// <summary>A client certificate of that cluster, for Orleans clients.</summary>
    public string ClientCertificate => Path.Combine(CredentialsDirectory, Fabric.ClusterCredentials.ClientFile);

    /// <summary>What a silo of a cluster on this server starts with: storage, a loopback address and the credentials.</summary>
    public string[] SiloArguments(string database) =>
    [
        "--storage", "postgres", "--connection-string", ConnectionString(database), "--advertise", "127.0.0.1",
        "--cluster-credentials", CredentialsDirectory,
    ];

    public int Port { get; }

    public string DataDirectory => Path.Combine(directory, "data");

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=15;Command Timeout=30";

    /// <param name="configuration">Lines appended to postgresql.conf before the first start (WAL archiving, say).</param>
    public static async Task<PostgresServer> StartAsync(string database, string? configuration = null)
    {
        var server = await CreateAsync();
        await server.AsPostgresAsync("initdb", "-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync");
        if (configuration is not null)
        {
            await File.AppendAllTextAsync(Path.Combine(server.DataDirectory, "postgresql.conf"), "\n" + configuration + "\n");
        }

        await server.StartServerAsync();
        await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        await create.ExecuteNonQueryAsync();
        return server;
    }

    /// <summary>
    /// A server on a data directory <paramref name="restore"/> makes (given the path, under a directory the postgres
    /// user owns), started and out of recovery.
    /// </summary>
    public static async Task<PostgresServer> StartRestoredAsync(Func<string, Task> restore)
    {
        var server = await CreateAsync();
        await restore(server.DataDirectory);
        await server.StartServerAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
            await connection.OpenAsync();
            await using var recovering = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
            if (!(bool)(await recovering.ExecuteScalarAsync())! || DateTime.UtcNow > deadline)
            {
                return server;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Runs a SQL statement on a database of this server.</summary>
    public async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> CreateAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "pg_ctl")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDirectory}): apt-get install -y postgresql (scripts/test does)");
        }

        var directory = TempDirectory.Create("moc-pg");
        if (IsRoot)
        {
            await RunAsync("chown", "postgres:postgres", directory);
        }

        return new PostgresServer(directory, ServerProcess.FreePort());
    }

    private Task<string> StartServerAsync() =>
        AsPostgresAsync("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200", "start");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already down; the directory goes anyway.
        }

        TempDirectory.Delete(directory);
        if (credentials.IsValueCreated)
        {
            TempDirectory.Delete(Path.GetDirectoryName(credentials.Value)!);
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task<string> AsPostgresAsync(string tool, params string[] arguments) =>
        IsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(BinDirectory, tool), .. arguments])
            : RunAsync(Path.Combine(BinDirectory, tool), arguments);

    /// <summary>Runs a program to its end; its standard output, or an exception with everything it printed when it fails.</summary>
    internal static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}{await errors}");
        }

        return await output;
    }
}
