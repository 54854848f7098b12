using System.CommandLine;
using System.Security.Cryptography.X509Certificates;

namespace MyOwnCluster.Cli;

/// <summary>What every command gets: the global options, the environment, and where to write.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, Stream? rawStdout, Func<string, string?> getEnvironment)
{
    public const string DefaultServer = "https://localhost:8443";

    public Option<string?> ServerOption { get; } = new("--server")
    {
        Description = $"Server URL (env MOC_SERVER, default {DefaultServer})",
        Recursive = true,
    };

    public Option<string?> TokenOption { get; } = new("--token")
    {
        Description = "Admin token (env MOC_ADMIN_TOKEN, else <data>/admin-token)",
        Recursive = true,
    };

    public Option<string?> DataOption { get; } = new("--data")
    {
        Description = "The server's data directory, for admin-token and tls/cert.pem (env MOC_DATA, default ./data)",
        Recursive = true,
    };

    public Option<bool> InsecureOption { get; } = new("--insecure", "-k")
    {
        Description = "Accept any server certificate (the local server's own data/tls/cert.pem is always accepted)",
        Recursive = true,
    };

    public Option<bool> VerboseOption { get; } = new("--verbose", "-v")
    {
        Description = "Say more about what happened",
        Recursive = true,
    };

    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    public IEnumerable<Option> GlobalOptions => [ServerOption, TokenOption, DataOption, InsecureOption, VerboseOption];

    /// <summary>Writes bytes unchanged to standard output (decoded as UTF-8 when only a text writer is available).</summary>
    public async Task WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        if (rawStdout is null)
        {
            await Out.WriteAsync(System.Text.Encoding.UTF8.GetString(bytes.Span));
            return;
        }

        await Out.FlushAsync(ct);
        await rawStdout.WriteAsync(bytes, ct);
        await rawStdout.FlushAsync(ct);
    }

    public ApiClient CreateClient(ParseResult parse) => new(ResolveConnection(parse));

    internal ServerConnection ResolveConnection(ParseResult parse)
    {
        var serverText = parse.GetValue(ServerOption) ?? NonEmpty(getEnvironment("MOC_SERVER")) ?? DefaultServer;
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp))
        {
            throw new CliException($"--server must be an absolute http(s) URL, not '{serverText}'", ExitCodes.Usage);
        }

        var data = parse.GetValue(DataOption) ?? NonEmpty(getEnvironment("MOC_DATA")) ?? "data";
        var (token, tokenSource) = ResolveToken(parse, data);
        return new ServerConnection(server, token, tokenSource, parse.GetValue(InsecureOption), ReadPinnedCertificates(data));
    }

    private (string? Token, string Source) ResolveToken(ParseResult parse, string data)
    {
        if (NonEmpty(parse.GetValue(TokenOption)) is { } fromOption)
        {
            return (fromOption, "--token");
        }

        if (NonEmpty(getEnvironment("MOC_ADMIN_TOKEN")) is { } fromEnvironment)
        {
            return (fromEnvironment, "MOC_ADMIN_TOKEN");
        }

        var tokenFile = Path.GetFullPath(Path.Combine(data, "admin-token"));
        try
        {
            return File.Exists(tokenFile) ? (NonEmpty(File.ReadAllText(tokenFile).Trim()), tokenFile) : (null, "nowhere");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the admin token from {tokenFile}: {e.Message}");
        }
    }

    private static byte[][] ReadPinnedCertificates(string data)
    {
        var certFile = Path.Combine(data, "tls", "cert.pem");
        if (!File.Exists(certFile))
        {
            return [];
        }

        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(certFile);
            return certificates.Select(c => c.RawData).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliException($"cannot read the server certificate {Path.GetFullPath(certFile)}: {e.Message}");
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
