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
    private readonly CallTree tree;
    private int loggedBytes;
    private MemoryStream? stderr;

    /// <summary>
    /// A root invocation (its own call tree; input and output buffers made from the request) or, with a scope, a call
    /// inside a tree that reads and writes the caller's buffers.
    /// </summary>
    public GuestContext(string functionName, InvocationRequest request, ExecutionOptions limits, ILogger log, CallScope? scope = null)
    {
        FunctionName = functionName;
        Request = request;
        Limits = limits;
        Log = log;
        tree = scope?.Tree ?? new CallTree(limits);
        IsNested = tree.Path.Count > tree.RootDepth + 1;
        InputBufferId = scope is { InputBufferId: > 0 } ? scope.InputBufferId : tree.Add(ExchangeBuffer.FromData(request.Input), force: true);
        OutputBufferId = scope is { OutputBufferId: > 0 } ? scope.OutputBufferId : tree.Add(new ExchangeBuffer(), force: true);
    }

    public string FunctionName { get; }

    public InvocationRequest Request { get; }

    public ExecutionOptions Limits { get; }

    public ILogger Log { get; }

    /// <summary>The cluster, for guest calls backed by grains (key-value); null in hosts without one.</summary>
    public IGrainFactory? Grains { get; init; }

    /// <summary>The namespaces active on this silo, read without a grain call; null in hosts without one.</summary>
    public KeyValue.LocalKeyValue? LocalKeyValue { get; init; }

    /// <summary>Runs other functions inside this call tree (core.call_function, module binding); null in bare hosts.</summary>
    public INestedInvoker? Calls { get; init; }

    public CallTree Tree => tree;

    /// <summary>Key-value namespaces granted to the function besides its own (its name).</summary>
    public IReadOnlyList<string> KvNamespaces { get; init; } = [];

    /// <summary>The platform powers granted to the function (see <see cref="Functions.FunctionCapabilities"/>).</summary>
    public Functions.FunctionCapabilities Capabilities { get; init; }

    /// <summary>The tech id of the running code: its own blob is always readable.</summary>
    public string? TechId { get; init; }

    /// <summary>Called by another function of the tree: its output stays in the tree's buffers, nothing is copied out.</summary>
    public bool IsNested { get; }

    /// <summary>The silo's outbound HTTP (get_url, http_request); null in hosts without one (calls then answer 0).</summary>
    public Egress.EgressClient? Egress { get; init; }

    /// <summary>What is left of the call tree's deadline: the budget of this call and of everything it calls (blocking host calls such as HTTP must not wait longer).</summary>
    public int RemainingMs => tree.RemainingMs;

    public int InputBufferId { get; }

    public int OutputBufferId { get; }

    /// <summary>Stderr of posix programs, capped at <see cref="ExecutionOptions.MaxLogBytes"/>.</summary>
    public ReadOnlySpan<byte> Stderr => stderr is null ? [] : stderr.GetBuffer().AsSpan(0, (int)stderr.Length);

    public ExchangeBuffer Output => tree.Buffers[OutputBufferId];

    public int LiveBuffers => tree.BufferCount;

    /// <summary>A new buffer whose body is a copy of the bytes; 0 when the invocation has too many buffers.</summary>
    public int RegisterBuffer(ReadOnlySpan<byte> body)
    {
        // Charged before the copy is made: a refused buffer never exists, even for a moment.
        var capacity = ExchangeBuffer.CapacityFor(body.Length);
        if (!WithinBufferCap("register_buffer", "buffer", body.Length) || !TryChargeMemory("register_buffer", capacity))
        {
            return 0;
        }

        if (tree.BufferCount >= Limits.MaxBuffers)
        {
            tree.Memory.TryCharge(-capacity);
            LogGuestError("buffers", $"more than {Limits.MaxBuffers} live buffers");
            return 0;
        }

        return tree.AddCharged(new ExchangeBuffer(body));
    }

    /// <summary>False, and why in the log, when <paramref name="length"/> bytes of <paramref name="what"/> pass <c>Limits:MaxBufferBytes</c>.</summary>
    public bool WithinBufferCap(string hostFunction, string what, int length)
    {
        if (length <= Limits.MaxBufferBytes)
        {
            return true;
        }

        LogGuestError(hostFunction, $"{what} of {length} bytes exceeds the {Limits.MaxBufferBytes} byte cap");
        return false;
    }

    public ExchangeBuffer? GetBuffer(int id) => tree.Buffers.GetValueOrDefault(id);

    /// <summary>The buffer, or null with "unknown buffer" logged against the host function that asked.</summary>
    public ExchangeBuffer? FindBuffer(string hostFunction, int id)
    {
        var buffer = tree.Buffers.GetValueOrDefault(id);
        if (buffer is null)
        {
            LogGuestError(hostFunction, $"unknown buffer {id}");
        }

        return buffer;
    }

    /// <summary>
    /// Sets a buffer's HTTP status (100 to 999); false (and a log line) for an unknown buffer or status.
    /// </summary>
    public bool TrySetStatusCode(string hostFunction, int id, int code)
    {
        var buffer = GetBuffer(id);
        if (buffer is null || code < 100 || code > 999)
        {
            LogGuestError(hostFunction, $"unknown buffer {id} or invalid status {code}");
            return false;
        }

        buffer.StatusCode = code;
        return true;
    }

    /// <summary>
    /// Sets a header when the name is token-like, the value has no CR/LF, and it fits the header caps and the tree's
    /// memory budget; false (and a log line) otherwise.
    /// </summary>
    public bool TrySetHeader(string hostFunction, ExchangeBuffer buffer, string name, string value)
    {
        if (name.Length == 0 || name.Any(c => c <= ' ' || c == ':' || c > '~') || value.Any(c => c is '\r' or '\n'))
        {
            LogGuestError(hostFunction, $"invalid header name or value '{name}'");
            return false;
        }

        if (name.Length + value.Length > Limits.MaxHeaderBytes)
        {
            LogGuestError(hostFunction, $"header '{name}' exceeds the {Limits.MaxHeaderBytes} character cap (Limits:MaxHeaderBytes)");
            return false;
        }

        if (buffer.Headers.Count >= Limits.MaxHeaders && !buffer.Headers.ContainsKey(name.ToLowerInvariant()))
        {
            LogGuestError(hostFunction, $"a buffer holds at most {Limits.MaxHeaders} headers (Limits:MaxHeaders)");
            return false;
        }

        return buffer.TrySetHeader(name, value) || OverBudget(hostFunction);
    }

    /// <summary>Charges bytes the guest makes the platform hold for the tree (a blob, WASI file growth); false (and a log line) past the budget.</summary>
    public bool TryChargeMemory(string hostFunction, long bytes) => tree.Memory.TryCharge(bytes) || OverBudget(hostFunction);

    /// <summary>The tree went past its memory budget: the call is failing, host calls should stop serving it.</summary>
    public bool MemoryExhausted => tree.Memory.Exhausted;

    public bool FreeBuffer(int id) => id != InputBufferId && id != OutputBufferId && tree.Remove(id);

    /// <summary>Appends to a buffer's body within the size cap; false (and a log line) when it does not fit.</summary>
    public bool TryAppend(string hostFunction, ExchangeBuffer buffer, ReadOnlySpan<byte> bytes)
    {
        if ((long)buffer.Length + bytes.Length > Limits.MaxBufferBytes)
        {
            LogGuestError(hostFunction, $"buffer would exceed the {Limits.MaxBufferBytes} byte cap");
            return false;
        }

        return buffer.TryAppend(bytes) || OverBudget(hostFunction);
    }

    /// <summary>print_debug: a structured log line attributed to the function (rate-limited per function).</summary>
    public void PrintDebug(string text)
    {
        if (!Charge(text.Length) || !GuestLogLimiter.Shared.TryAcquire(FunctionName, Log))
        {
            return;
        }

        Log.LogInformation("[{Function}] {GuestMessage}", FunctionName, text);
        FunctionLogs.Shared.Add(FunctionName, "info", text);
    }

    /// <summary>Why a host function returned its error value: goes to the function's log.</summary>
    public void LogGuestError(string hostFunction, string reason)
    {
        if (Charge(reason.Length) && GuestLogLimiter.Shared.TryAcquire(FunctionName, Log))
        {
            Log.LogWarning("[{Function}] {HostFunction}: {Reason}", FunctionName, hostFunction, reason);
            FunctionLogs.Shared.Add(FunctionName, "warning", $"{hostFunction}: {reason}");
        }
    }

    /// <summary>
    /// True when the function was granted <paramref name="capability"/>; otherwise false and one log line saying
    /// which grant the call needs (the host function then returns its error value).
    /// </summary>
    public bool Allows(string hostFunction, Functions.FunctionCapabilities capability)
    {
        if ((Capabilities & capability) == capability)
        {
            return true;
        }

        var name = Functions.CapabilityNames.NameOf(capability);
        LogGuestError(hostFunction, $"refused: the function has no '{name}' capability (a registration grants it: \"capabilities\": [\"{name}\"])");
        return false;
    }

    /// <summary>
    /// The grain factory, for host functions that reach the platform; null, and <paramref name="unavailable"/> in the
    /// log, in a host without one (the engine run on its own, as in unit tests and benchmarks).
    /// </summary>
    public IGrainFactory? GrainsFor(string hostFunction, string unavailable)
    {
        if (Grains is null)
        {
            LogGuestError(hostFunction, unavailable);
        }

        return Grains;
    }

    /// <summary>
    /// Blocks on a grain call for a synchronous host function (they run on thread-pool threads, never on an Orleans
    /// scheduler thread); default (and a log line naming the service) when it failed. Value types must come in nullable.
    /// </summary>
    public T? WaitForGrain<T>(string hostFunction, string service, Func<Task<T>> call)
    {
        try
        {
            return call().GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            LogGuestError(hostFunction, $"{service} failed: {e.Message}");
            return default;
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
        if (tree.BufferCount >= Limits.MaxBuffers)
        {
            LogGuestError("buffers", $"more than {Limits.MaxBuffers} live buffers");
            return 0;
        }

        var id = tree.Add(buffer);
        if (id == 0)
        {
            OverBudget("buffers");
        }

        return id;
    }

    /// <summary>False, with the budget's reason in the function's log.</summary>
    private bool OverBudget(string hostFunction)
    {
        LogGuestError(hostFunction, tree.Memory.Reason);
        return false;
    }
}
