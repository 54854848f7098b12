using System.Diagnostics;
using Microsoft.Extensions.Logging;
using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution;

/// <summary>
/// The engine-neutral state of one invocation: its buffer table, log and limits. Wasm host functions and
/// KVM hypercalls both implement the guest API on top of this, so semantics are identical across engines.
/// Not thread-safe: one invocation runs on one thread.
/// </summary>
public sealed class GuestContext
{
    private readonly Dictionary<int, ExchangeBuffer> buffers = [];
    private readonly long started = Stopwatch.GetTimestamp();
    private int nextBufferId = 1;
    private int loggedBytes;
    private MemoryStream? stderr;

    public GuestContext(string functionName, InvocationRequest request, ExecutionOptions limits, ILogger log)
    {
        FunctionName = functionName;
        Request = request;
        Limits = limits;
        Log = log;
        InputBufferId = Add(ExchangeBuffer.FromData(request.Input));
        OutputBufferId = Add(new ExchangeBuffer());
    }

    public string FunctionName { get; }

    public InvocationRequest Request { get; }

    public ExecutionOptions Limits { get; }

    public ILogger Log { get; }

    /// <summary>The cluster, for guest calls backed by grains (key-value); null in hosts without one.</summary>
    public IGrainFactory? Grains { get; init; }

    /// <summary>The silo's outbound HTTP (get_url, http_request); null in hosts without one (calls then answer 0).</summary>
    public Egress.EgressClient? Egress { get; init; }

    /// <summary>What is left of the call's deadline: blocking host calls (HTTP) must not wait longer.</summary>
    public int RemainingMs => (int)Math.Max(0, Limits.CallTimeoutMs - Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    public int InputBufferId { get; }

    public int OutputBufferId { get; }

    /// <summary>Stderr of posix programs, capped at <see cref="ExecutionOptions.MaxLogBytes"/>.</summary>
    public ReadOnlySpan<byte> Stderr => stderr is null ? [] : stderr.GetBuffer().AsSpan(0, (int)stderr.Length);

    public ExchangeBuffer Output => buffers[OutputBufferId];

    public int LiveBuffers => buffers.Count;

    /// <summary>A new buffer whose body is a copy of the bytes; 0 when the invocation has too many buffers.</summary>
    public int RegisterBuffer(ReadOnlySpan<byte> body)
    {
        if (body.Length > Limits.MaxBufferBytes)
        {
            LogGuestError("register_buffer", $"buffer of {body.Length} bytes exceeds the {Limits.MaxBufferBytes} byte cap");
            return 0;
        }

        return Add(new ExchangeBuffer(body));
    }

    public ExchangeBuffer? GetBuffer(int id) => buffers.GetValueOrDefault(id);

    /// <summary>The buffer, or null with "unknown buffer" logged against the host function that asked.</summary>
    public ExchangeBuffer? FindBuffer(string hostFunction, int id)
    {
        var buffer = buffers.GetValueOrDefault(id);
        if (buffer is null)
        {
            LogGuestError(hostFunction, $"unknown buffer {id}");
        }

        return buffer;
    }

    /// <summary>Sets a header when the name is token-like and the value has no CR/LF; false (and a log line) otherwise.</summary>
    public bool TrySetHeader(string hostFunction, ExchangeBuffer buffer, string name, string value)
    {
        if (name.Length == 0 || name.Any(c => c <= ' ' || c == ':' || c > '~') || value.Any(c => c is '\r' or '\n'))
        {
            LogGuestError(hostFunction, $"invalid header name or value '{name}'");
            return false;
        }

        buffer.SetHeader(name, value);
        return true;
    }

    public bool FreeBuffer(int id) => id != InputBufferId && id != OutputBufferId && buffers.Remove(id);

    /// <summary>Appends to a buffer's body within the size cap; false (and a log line) when it does not fit.</summary>
    public bool TryAppend(string hostFunction, ExchangeBuffer buffer, ReadOnlySpan<byte> bytes)
    {
        if ((long)buffer.Length + bytes.Length > Limits.MaxBufferBytes)
        {
            LogGuestError(hostFunction, $"buffer would exceed the {Limits.MaxBufferBytes} byte cap");
            return false;
        }

        buffer.Append(bytes);
        return true;
    }

    /// <summary>print_debug: a structured log line attributed to the function (rate-limited per function).</summary>
    public void PrintDebug(string text)
    {
        if (!Charge(text.Length) || !GuestLogLimiter.Shared.TryAcquire(FunctionName, Log))
        {
            return;
        }

        Log.LogInformation("[{Function}] {GuestMessage}", FunctionName, text);
    }

    /// <summary>Why a host function returned its error value: goes to the function's log.</summary>
    public void LogGuestError(string hostFunction, string reason)
    {
        if (Charge(reason.Length) && GuestLogLimiter.Shared.TryAcquire(FunctionName, Log))
        {
            Log.LogWarning("[{Function}] {HostFunction}: {Reason}", FunctionName, hostFunction, reason);
        }
    }

    public void WriteStderr(ReadOnlySpan<byte> bytes)
    {
        stderr ??= new MemoryStream();
        var room = Limits.MaxLogBytes - (int)stderr.Length;
        if (room > 0)
        {
            stderr.Write(bytes[..Math.Min(room, bytes.Length)]);
        }
    }

    private bool Charge(int bytes)
    {
        loggedBytes += bytes;
        return loggedBytes <= Limits.MaxLogBytes;
    }

    private int Add(ExchangeBuffer buffer)
    {
        if (buffers.Count >= Limits.MaxBuffers)
        {
            LogGuestError("buffers", $"more than {Limits.MaxBuffers} live buffers");
            return 0;
        }

        var id = nextBufferId++;
        buffers[id] = buffer;
        return id;
    }
}
