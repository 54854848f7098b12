using System.Net.Http.Headers;

namespace MyOwnCluster.Cli;

/// <summary>Key-value, export/import and backup routes: raw bytes rather than JSON bodies.</summary>
internal sealed partial class ApiClient
{
    public async Task<byte[]?> GetKeyAsync(string ns, string key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, KeyPath(ns, key));
        using var response = await SendRawAsync(request, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        return response.IsSuccessStatusCode
            ? await response.Content.ReadAsByteArrayAsync(ct)
            : throw ToApiException(response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    public Task SetKeyAsync(string ns, string key, byte[] value, CancellationToken ct) =>
        SendBytesAsync(HttpMethod.Put, KeyPath(ns, key), value, ct);

    public Task DeleteKeyAsync(string ns, string key, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, KeyPath(ns, key), null, ct);

    /// <summary>One page of the keys under a prefix after a key; <c>Next</c> continues it.</summary>
    public Task<KeyPage> ListKeysAsync(string ns, string prefix, string? after, int limit, CancellationToken ct) =>
        SendAsync<KeyPage>(HttpMethod.Get,
            $"kv/{Uri.EscapeDataString(ns)}?prefix={Uri.EscapeDataString(prefix)}&limit={limit}"
            + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}"), null, ct);

    public Task<IncrementAnswer> IncrementKeyAsync(string ns, string key, long delta, CancellationToken ct) =>
        SendAsync<IncrementAnswer>(HttpMethod.Post, $"{KeyPath(ns, key)}?increment={delta}", null, ct);

    public Task<SwapAnswer> CompareAndSwapAsync(string ns, string key, byte[]? expected, byte[]? value, CancellationToken ct) =>
        SendAsync<SwapAnswer>(HttpMethod.Post, $"{KeyPath(ns, key)}?cas",
            new CompareAndSwapBody(expected is null ? null : Convert.ToBase64String(expected), value is null ? null : Convert.ToBase64String(value)), ct);

    /// <summary>A batch as the server takes it (<c>{"ops": [...]}</c>, given as JSON text), applied all or none.</summary>
    public Task<BatchAnswer> BatchAsync(string ns, System.Text.Json.JsonElement batch, CancellationToken ct) =>
        SendAsync<BatchAnswer>(HttpMethod.Post, $"kv/{Uri.EscapeDataString(ns)}", batch, ct);

    public Task<string[]> ListNamespacesAsync(CancellationToken ct) => SendAsync<string[]>(HttpMethod.Get, "kv", null, ct);

    /// <summary>Streams the export archive into <paramref name="destination"/>.</summary>
    public async Task ExportAsync(Stream destination, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "admin/export");
        using var response = await SendRawAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw ToApiException(response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }

        await response.Content.CopyToAsync(destination, ct);
    }

    public async Task<string> ImportAsync(Stream archive, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/import") { Content = new StreamContent(archive) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        using var response = await SendRawAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return response.IsSuccessStatusCode ? text : throw ToApiException(response.StatusCode, text);
    }

    public Task<BackupFile> BackupNowAsync(CancellationToken ct) => SendAsync<BackupFile>(HttpMethod.Post, "admin/backup", null, ct);

    public Task<BackupFile[]> ListBackupsAsync(CancellationToken ct) => SendAsync<BackupFile[]>(HttpMethod.Get, "admin/backups", null, ct);

    private static string KeyPath(string ns, string key) => $"kv/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(key)}";
}







