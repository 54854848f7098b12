using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Egress;

/// <summary>
/// The engine-neutral half of <c>get_url</c> and <c>core.http_request</c> (wasm host functions and KVM hypercalls):
/// the response becomes a new buffer (body, status, lowercased headers), failures are 0 with the reason in the
/// function's log. Host calls are synchronous and run on a thread-pool or vCPU thread, so blocking here is safe;
/// the request never outlives what is left of the call's deadline.
/// </summary>
public static class GuestHttp
{
    public static int Get(GuestContext guest, string hostFunction, string url) =>
        Send(guest, hostFunction, new EgressRequest("GET", url, [], []));

    /// <summary>http_request: <paramref name="headersBufferId"/> holds request headers in the map encoding, 0 for none.</summary>
    public static int Request(GuestContext guest, string hostFunction, string method, string url, int headersBufferId, byte[] body)
    {
        if (method.Length == 0 || method.Any(c => !char.IsAsciiLetter(c)))
        {
            guest.LogGuestError(hostFunction, $"invalid HTTP method '{method}'");
            return 0;
        }

        IReadOnlyList<KeyValuePair<string, string>> headers = [];
        if (headersBufferId != 0)
        {
            if (guest.FindBuffer(hostFunction, headersBufferId) is not { } buffer)
            {
                return 0;
            }

            var decoded = ExchangeBuffer.DecodeMap(buffer.Body);
            if (decoded is null || decoded.Any(h => !ValidHeader(h.Key, h.Value)))
            {
                guest.LogGuestError(hostFunction, $"buffer {headersBufferId} is not a valid header map (map encoding, token names, no CR/LF in values)");
                return 0;
            }

            headers = decoded;
        }

        return Send(guest, hostFunction, new EgressRequest(method, url, headers, body));
    }

    private static int Send(GuestContext guest, string hostFunction, EgressRequest request)
    {
        if (guest.Egress is null)
        {
            guest.LogGuestError(hostFunction, $"outbound HTTP is not available in this host ({request.Url})");
            return 0;
        }

        var remaining = guest.RemainingMs;
        if (remaining <= 0)
        {
            guest.LogGuestError(hostFunction, $"{request.Url}: the call's deadline has passed");
            return 0;
        }

        // Give up a little before the deadline, so the guest still has time to handle the failure it gets.
        var budget = Math.Max(1, remaining - Math.Min(remaining / 5, 200));
        EgressResponse response;
        using (var deadline = DeadlineThread.Shared.CancelAfter(budget))
        {
            var sending = guest.Egress.SendAsync(request, deadline.Token);
            if (!deadline.Completed(sending))
            {
                guest.LogGuestError(hostFunction, $"{request.Url}: the call's deadline passed before the answer came");
                return 0;
            }

            try
            {
                response = sending.GetAwaiter().GetResult();
            }
            catch (EgressException e)
            {
                guest.LogGuestError(hostFunction, e.Message);
                return 0;
            }
        }

        var id = guest.RegisterBuffer(response.Body);
        if (id != 0 && guest.GetBuffer(id) is { } result)
        {
            result.StatusCode = response.StatusCode;
            foreach (var (name, value) in response.Headers)
            {
                result.SetHeader(name, value);
            }
        }

        return id;
    }

    private static bool ValidHeader(string name, string value) =>
        name.Length > 0 && !name.Any(c => c <= ' ' || c == ':' || c > '~') && !value.Any(c => c is '\r' or '\n');
}
