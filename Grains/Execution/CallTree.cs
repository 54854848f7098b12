using System.Diagnostics;
using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution;

/// <summary>
/// What the invocations of one call tree share on a silo: the exchange buffers (an id is valid in every function of
/// the tree and in no other tree, so another request's buffers are out of reach), the total deadline, and the path of
/// functions being called (depth limit, cycle refusal). Released as a whole when the root invocation ends.
/// Not thread-safe: a tree runs on one thread at a time (calls are synchronous).
/// </summary>
public sealed class CallTree
{
    private static long liveBuffers;
    private readonly long deadline;
    private readonly bool counted;
    private int nextBufferId = 1;

    /// <param name="counted">Whether the tree's buffers count in <see cref="LiveBuffers"/> (trees of the silo's invoker).</param>
    /// <param name="deadlineMs">What is left of the caller's deadline when the tree was started elsewhere (another silo placed it here); never more than the configured one.</param>
    public CallTree(ExecutionOptions limits, bool counted = false, int? deadlineMs = null)
    {
        var budget = Math.Min(limits.CallTimeoutMs, Math.Max(0, deadlineMs ?? int.MaxValue));
        deadline = Stopwatch.GetTimestamp() + (long)(budget * (Stopwatch.Frequency / 1000.0));
        MaxDepth = limits.MaxCallDepth;
        this.counted = counted;
        Memory = new CallTreeMemory(limits.CallTreeMemoryBytes, limits.SiloCallMemoryBytes, counted);
    }

    /// <summary>What the tree holds (buffers, blobs its guests register, WASI file growth) against its budget.</summary>
    public CallTreeMemory Memory { get; }

    /// <summary>Buffers held by the invoker's call trees alive on this silo (they are freed when their tree ends).</summary>
    public static long LiveBuffers => Interlocked.Read(ref liveBuffers);

    public int MaxDepth { get; }

    /// <summary>Names of the functions on the current call path, root first (with a tree placed here from another silo, its caller's path first).</summary>
    public List<string> Path { get; } = [];

    /// <summary>How many names of <see cref="Path"/> belong to callers on another silo: this tree's first call sits just below them.</summary>
    public int RootDepth { get; private set; }

    /// <summary>Continues the call path of a caller on another silo.</summary>
    public void ContinuePath(IReadOnlyList<string> callerPath)
    {
        Path.AddRange(callerPath);
        RootDepth = callerPath.Count;
    }

    public int BufferCount => Buffers.Count;

    /// <summary>Buffer grains the tree's guests created (capped: they outlive the tree, in the store).</summary>
    public int BufferGrainsCreated { get; set; }

    /// <summary>A function of the tree ran out of the deadline: the tree's first call fails with a timeout too.</summary>
    public bool TimedOut { get; set; }

    /// <summary>Milliseconds left of the root's deadline (0 when it passed).</summary>
    public int RemainingMs => (int)Math.Max(0, (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency);

    internal Dictionary<int, ExchangeBuffer> Buffers { get; } = [];

    /// <summary>Adds a buffer charged to the tree; 0 when it does not fit the budget (unless <paramref name="force"/>: the platform's own).</summary>
    internal int Add(ExchangeBuffer buffer, bool force = false)
    {
        return buffer.TryAttach(Memory, force) ? Insert(buffer) : 0;
    }

    /// <summary>Adds a buffer whose body the caller already charged to <see cref="Memory"/>.</summary>
    internal int AddCharged(ExchangeBuffer buffer)
    {
        buffer.AttachCharged(Memory);
        return Insert(buffer);
    }

    private int Insert(ExchangeBuffer buffer)
    {
        var id = nextBufferId++;
        Buffers[id] = buffer;
        if (counted)
        {
            Interlocked.Increment(ref liveBuffers);
        }

        return id;
    }

    internal bool Remove(int id)
    {
        if (!Buffers.Remove(id, out var buffer))
        {
            return false;
        }

        buffer.Detach();
        if (counted)
        {
            Interlocked.Decrement(ref liveBuffers);
        }

        return true;
    }

    /// <summary>The root invocation ended: every buffer of the tree goes.</summary>
    public void Release()
    {
        if (counted)
        {
            Interlocked.Add(ref liveBuffers, -Buffers.Count);
        }

        foreach (var buffer in Buffers.Values)
        {
            buffer.Detach();
        }

        Buffers.Clear();
        Memory.ReleaseAll();
    }
}

/// <summary>Runs a function inside the caller's call tree, synchronously (guest API calls are synchronous).</summary>
public interface INestedInvoker
{
    /// <summary>Depth, cycles and the tree's deadline are checked first; failures are results, never exceptions.</summary>
    InvocationResult Invoke(GuestContext caller, InvocationRequest request, int inputBufferId, int outputBufferId);

    /// <summary>Records a call to run later, as part of the caller's call path (depth and cycles are checked when it runs).</summary>
    AsyncSubmission SubmitAsync(GuestContext caller, InvocationRequest request);

    /// <summary>The status of an asynchronous invocation once it ended or <paramref name="timeoutMs"/> passed; null: no such id.</summary>
    AsyncInvocationStatus? Await(string id, int timeoutMs);
}

/// <summary>Where an invocation sits in its call tree: the tree, and the caller's buffers it reads and writes (0 = a new one).</summary>
public sealed record CallScope(CallTree Tree, int InputBufferId = 0, int OutputBufferId = 0);
