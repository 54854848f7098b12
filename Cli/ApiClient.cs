using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MyOwnCluster.Cli;

/// <summary>Where to reach the server and how to prove we are its admin.</summary>
/// <param name="TokenSource">Where the token came from, to name it when the server refuses it.</param>
/// <param name="PinnedCertificates">DER bytes of certificates trusted even if self-signed (the local server's own).</param>
internal sealed record ServerConnection(
    Uri Server,
    string? Token,
    string TokenSource,
    bool Insecure,
    IReadOnlyList<byte[]> PinnedCertificates);

/// <summary>The management REST API (<c>/my-own-cluster/api/</c>) as typed calls; every HTTP detail of the CLI lives here.</summary>
internal sealed partial class ApiClient : IDisposable
{
    private const string ApiPrefix = "my-own-cluster/api/";

    private readonly HttpClient http;
    private readonly ServerConnection connection;

    public ApiClient(ServerConnection connection)
    {
        this.connection = connection;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = AcceptCertificate },
        };
        var baseAddress = connection.Server.AbsoluteUri.TrimEnd('/') + "/";
        http = new HttpClient(handler)
        {
            BaseAddress = new Uri(new Uri(baseAddress), ApiPrefix),
            // Calls run guest code under the server's own deadline; this only guards against a hung connection.
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (!string.IsNullOrEmpty(connection.Token))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
        }
    }

    public Uri Server => connection.Server;

    public Task<BlobSummary> RegisterBlobAsync(RegisterBlobBody request, CancellationToken ct) =>
        SendAsync<BlobSummary>(HttpMethod.Post, "blob/register", request, ct);

    public Task<BlobSummary[]> ListFunctionsAsync(CancellationToken ct) =>
        SendAsync<BlobSummary[]>(HttpMethod.Get, "functions", null, ct);

    public Task<BlobSummary[]> ListBlobsAsync(CancellationToken ct) =>
        SendAsync<BlobSummary[]>(HttpMethod.Get, "blobs", null, ct);

    public Task DeleteFunctionAsync(string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "function/" + Uri.EscapeDataString(name), null, ct);

    public Task<CallResponse> CallAsync(CallBody request, CancellationToken ct) =>
        SendAsync<CallResponse>(HttpMethod.Post, "function/call", request, ct);

    public Task PlugFunctionAsync(FunctionPlugBody request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "function/plug", request, ct);

    public Task PlugFileAsync(FilePlugBody request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "file/plug", request, ct);

    public Task UnplugAsync(UnplugBody request, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "function/unplug", request, ct);

    public Task<PlugSummary[]> ListPlugsAsync(CancellationToken ct) =>
        SendAsync<PlugSummary[]>(HttpMethod.Get, "plugs", null, ct);

    public Task<VersionBody> GetVersionAsync(CancellationToken ct) =>
        SendAsync<VersionBody>(HttpMethod.Get, "version", null, ct);

    public Task PutFileAsync(string name, string path, byte[] content, CancellationToken ct) =>
        SendBytesAsync(HttpMethod.Put, FsPath(name, path), content, ct);

    public Task<byte[]> GetFileAsync(string name, string path, CancellationToken ct) =>
        SendBytesAsync(HttpMethod.Get, FsPath(name, path), null, ct);

    public Task<FileEntry[]> ListFilesAsync(string name, string path, CancellationToken ct) =>
        SendAsync<FileEntry[]>(HttpMethod.Get, FsPath(name, path), null, ct);

    public Task DeleteFileAsync(string name, string path, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, FsPath(name, path), null, ct);

    public Task<StatusReport> GetStatusAsync(CancellationToken ct) =>
        SendAsync<StatusReport>(HttpMethod.Get, "status", null, ct);

    /// <summary>The status report as the server wrote it, for <c>status --json</c>.</summary>
    public Task<string> GetStatusJsonAsync(CancellationToken ct) =>
        SendForTextAsync(HttpMethod.Get, "status", null, ct);

    public Task<LogPage> GetLogsAsync(string name, long after, CancellationToken ct) =>
        SendAsync<LogPage>(HttpMethod.Get, $"function/{Uri.EscapeDataString(name)}/logs?after={after.ToString(System.Globalization.CultureInfo.InvariantCulture)}", null, ct);

    public Task<KvmCheckResult> CheckKvmAsync(CancellationToken ct) =>
        SendAsync<KvmCheckResult>(HttpMethod.Get, "kvm/check", null, ct);

    public Task<GpuCheckResult> CheckGpuAsync(CancellationToken ct) =>
        SendAsync<GpuCheckResult>(HttpMethod.Get, "gpu/check", null, ct);

    public void Dispose() => http.Dispose();

    /// <summary>For commands whose success is the status code alone; the answer's body is not read.</summary>
    private async Task SendAsync(HttpMethod method, string relativePath, object? body, CancellationToken ct) =>
        await SendForTextAsync(method, relativePath, body, ct);

    private async Task<T> SendAsync<T>(HttpMethod method, string relativePath, object? body, CancellationToken ct)
    {
        var text = await SendForTextAsync(method, relativePath, body, ct);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CliException($"the server sent an empty answer to {method} {relativePath}");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(text, WireJson.Options)
                ?? throw new CliException($"the server sent 'null' to {method} {relativePath}");
        }
        catch (JsonException e)
        {
            throw new CliException($"the server's answer to {method} {relativePath} is not the expected JSON: {e.Message}");
        }
    }

    private static string FsPath(string name, string path) =>
        $"function/{Uri.EscapeDataString(name)}/fs/{string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.EscapeDataString))}";

    /// <summary>Raw bytes both ways (file contents); errors still arrive as JSON messages.</summary>
    private async Task<byte[]> SendBytesAsync(HttpMethod method, string relativePath, byte[]? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, relativePath);
        if (content is not null)
        {
            request.Content = new ByteArrayContent(content);
        }

        using var response = await SendRawAsync(request, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        return response.IsSuccessStatusCode ? bytes : throw ToApiException(response.StatusCode, System.Text.Encoding.UTF8.GetString(bytes));
    }

    private async Task<string> SendForTextAsync(HttpMethod method, string relativePath, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, relativePath);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: WireJson.Options);
        }

        using var response = await SendRawAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode ? text : throw ToApiException(response.StatusCode, text);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(DescribeUnreachable(e), ExitCodes.Unreachable);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException(
                $"no answer from {connection.Server} within {http.Timeout.TotalSeconds:0} s", ExitCodes.Unreachable);
        }
    }

    private ApiException ToApiException(HttpStatusCode status, string body)
    {
        var code = (int)status;
        var message = ReadErrorMessage(body) ?? $"{status} (HTTP {code})";
        if (status == HttpStatusCode.Unauthorized)
        {
            message = string.IsNullOrEmpty(connection.Token)
                ? $"unauthorized: {message}. No admin token was found: pass --token, set MOC_ADMIN_TOKEN, or point --data at the server's data directory (it holds admin-token)"
                : $"unauthorized: {message}. The server refused the admin token from {connection.TokenSource}";
        }

        return new ApiException(code, $"{message} (HTTP {code})");
    }

    private static string? ReadErrorMessage(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            var error = JsonSerializer.Deserialize<ErrorBody>(body, WireJson.Options);
            if (!string.IsNullOrWhiteSpace(error?.Message))
            {
                return error.Message;
            }
        }
        catch (JsonException)
        {
            // Not our JSON (a proxy's HTML page, say): show the start of it instead.
        }

        var trimmed = body.Trim();
        return trimmed.Length <= 200 ? trimmed : trimmed[..200] + "...";
    }

    private string DescribeUnreachable(HttpRequestException e)
    {
        var server = connection.Server.GetLeftPart(UriPartial.Authority);
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case SocketException socket when socket.SocketErrorCode == SocketError.ConnectionRefused:
                    return $"cannot connect to {server}: connection refused. Is the server running? (set --server or MOC_SERVER)";
                case SocketException socket:
                    return $"cannot connect to {server}: {socket.Message}";
                case AuthenticationException:
                    return $"the TLS certificate of {server} is not trusted: {inner.Message}. " +
                        "Use --insecure for a self-signed server, or --data pointing at its data directory to pin its tls/cert.pem";
            }
        }

        return $"cannot talk to {server}: {e.Message}";
    }

    private bool AcceptCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None || connection.Insecure)
        {
            return true;
        }

        // The local server's self-signed certificate is trusted when it is byte for byte the one in its data directory.
        if (certificate is null)
        {
            return false;
        }

        var presented = certificate.GetRawCertData();
        return connection.PinnedCertificates.Any(pinned => pinned.AsSpan().SequenceEqual(presented));
    }
}
