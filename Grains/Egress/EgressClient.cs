using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Egress;

/// <summary>One outbound request as a guest asks for it.</summary>
public sealed record EgressRequest(string Method, string Url, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>What came back: status, headers (names lowercased, repeated values joined with ", ") and the body.</summary>
public sealed record EgressResponse(int StatusCode, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>The request was refused by the policy or failed (timeout, too large, unreachable); the message says why.</summary>
public sealed class EgressException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The policy said no (scheme, host, address), as opposed to a failure on the way.</summary>
    public bool Refused { get; init; }
}

/// <summary>
/// The silo's outbound HTTP client for guests. Every connection is checked against <see cref="EgressPolicy"/> with the
/// address it is about to connect to (resolved in the connect callback, so DNS rebinding cannot slip past the check);
/// redirects are followed here, each hop checked again; bodies are capped and requests time out.
/// </summary>
public sealed class EgressClient : IWasiUrlFetcher, IDisposable
{
    private static readonly HashSet<string> UnsettableHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer",
    };

    private readonly EgressOptions options;
    private readonly EgressPolicy policy;
    private readonly HttpClient http;

    public EgressClient(IOptions<EgressOptions> options)
    {
        this.options = options.Value;
        policy = new EgressPolicy(this.options);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectAsync,
        };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public EgressPolicy Policy => policy;

    /// <summary>Sends the request within min(Egress:TimeoutMs, the caller's token); throws <see cref="EgressException"/> with the reason.</summary>
    public async Task<EgressResponse> SendAsync(EgressRequest request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.TimeoutMs);
        try
        {
            return await FollowAsync(request, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new EgressException(ct.IsCancellationRequested
                ? $"{request.Url}: the call's deadline passed before the answer came"
                : $"{request.Url}: no answer within Egress:TimeoutMs ({options.TimeoutMs} ms)");
        }
        catch (HttpRequestException e)
        {
            throw Unwrap(e, request.Url);
        }
    }

    /// <summary>Posix programs' read-only <c>http(s)://</c> opens: a GET through the same policy.</summary>
    public async Task<UrlFetchResult> FetchAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            var response = await SendAsync(new EgressRequest("GET", url, [], []), cancellationToken);
            return response.StatusCode is >= 200 and < 300
                ? new UrlFetchResult(response.Body, null, Refused: false)
                : new UrlFetchResult(null, $"{url} answered {response.StatusCode}", Refused: false);
        }
        catch (EgressException e)
        {
            return new UrlFetchResult(null, e.Message, e.Refused);
        }
    }

    public void Dispose() => http.Dispose();

    private async Task<EgressResponse> FollowAsync(EgressRequest request, CancellationToken ct)
    {
        var method = new HttpMethod(request.Method.ToUpperInvariant());
        var url = ParseUrl(request.Url);
        var body = request.Body;
        for (var hop = 0; ; hop++)
        {
            using var message = BuildMessage(method, url, request.Headers, body, sameOrigin: hop == 0 || SameOrigin(url, request.Url));
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (status is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is null)
            {
                return new EgressResponse(status, Headers(response), await ReadCappedAsync(response, url, ct));
            }

            if (hop >= options.MaxRedirects)
            {
                throw new EgressException($"{request.Url}: more than {options.MaxRedirects} redirects (Egress:MaxRedirects)");
            }

            url = ParseUrl(new Uri(url, response.Headers.Location).AbsoluteUri);
            if (status == 303 || (status is 301 or 302 && method == HttpMethod.Post))
            {
                (method, body) = (HttpMethod.Get, []);
            }
        }
    }

    private Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
        {
            throw new EgressException($"'{text}' is not an absolute URL");
        }

        return policy.CheckUrl(url) is { } reason ? throw new EgressException(reason) { Refused = true } : url;
    }

    private static bool SameOrigin(Uri url, string original) =>
        Uri.TryCreate(original, UriKind.Absolute, out var first) && Uri.Compare(url, first, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>Credentials go only to the origin the guest named: a redirect elsewhere drops authorization and cookies.</summary>
    private static HttpRequestMessage BuildMessage(HttpMethod method, Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body, bool sameOrigin)
    {
        var message = new HttpRequestMessage(method, url);
        if (body.Length > 0)
        {
            message.Content = new ByteArrayContent(body);
        }

        foreach (var (name, value) in headers)
        {
            if (UnsettableHeaders.Contains(name) || (!sameOrigin && name.ToLowerInvariant() is "authorization" or "cookie"))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    private static Dictionary<string, string> Headers(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values);
        }

        return headers;
    }

    private async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, Uri url, CancellationToken ct)
    {
        var cap = options.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > cap)
        {
            throw new EgressException($"{url}: the response body ({response.Content.Headers.ContentLength} bytes) exceeds Egress:MaxResponseBytes ({cap})");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var body = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (body.Length + read > cap)
            {
                throw new EgressException($"{url}: the response body exceeds Egress:MaxResponseBytes ({cap})");
            }

            body.Write(chunk, 0, read);
        }

        return body.ToArray();
    }

    /// <summary>Resolves the host and connects only to an address the policy allows: the check is on what we connect to.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host.TrimStart('[').TrimEnd(']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        string? refusal = null;
        SocketException? lastError = null;
        foreach (var address in addresses)
        {
            if (policy.CheckAddress(address) is { } reason)
            {
                refusal ??= host == address.ToString() ? reason : $"{host}: {reason}";
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                lastError = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw lastError is not null ? new HttpRequestException(lastError.Message, lastError)
            : new EgressException(refusal ?? $"{host} has no address") { Refused = refusal is not null };
    }

    private static EgressException Unwrap(HttpRequestException e, string url)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is EgressException egress)
            {
                return egress;
            }
        }

        return new EgressException($"{url}: {e.InnerException?.Message ?? e.Message}", e);
    }
}
