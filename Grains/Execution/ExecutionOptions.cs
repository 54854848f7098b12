namespace MyOwnCluster.Execution;

/// <summary>Per-call limits (orleans.json section "Limits").</summary>
public sealed class ExecutionOptions
{
    public const string Section = "Limits";

    /// <summary>Wall-clock deadline of one call.</summary>
    public int CallTimeoutMs { get; set; } = 5000;

    /// <summary>How deep calls between functions (core.call_function, module binding) may nest below the first call.</summary>
    public int MaxCallDepth { get; set; } = 16;

    /// <summary>Cap on a wasm instance's linear memory (and a KVM guest's RAM).</summary>
    public long MemoryBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>RAM of one KVM micro-VM (a multiple of 2 MiB, at most 1 GiB); pages a guest never touches cost nothing.</summary>
    public long KvmMemoryBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Cap on the hypercalls of one KVM call: a guest hammering the host ends with an error before its deadline.</summary>
    public int KvmMaxHypercalls { get; set; } = 100_000;

    /// <summary>JavaScript call depth, enforced by V8 as a native stack cap of ~512 bytes a frame (at least 64 KiB; 0 = 1 MiB).</summary>
    public int JsMaxRecursion { get; set; } = 1000;

    /// <summary>Cap on one exchange buffer's body.</summary>
    public int MaxBufferBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Cap on the number of live buffers in one invocation.</summary>
    public int MaxBuffers { get; set; } = 4096;

    /// <summary>
    /// What one call tree may hold at once, every function of it together: buffer bodies and headers, blobs its guests
    /// register, and the growth of WASI files (those kept alive by a descriptor after unlink too). Past it the call
    /// fails with <see cref="InvocationOutcome.OutOfMemory"/> and everything the tree held is released.
    /// </summary>
    public long CallTreeMemoryBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// What all the call trees of this silo may hold together (the same charges as <see cref="CallTreeMemoryBytes"/>):
    /// many hostile trees at once must not add up to more than the machine has.
    /// </summary>
    public long SiloCallMemoryBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Cap on the headers of one buffer.</summary>
    public int MaxHeaders { get; set; } = 256;

    /// <summary>Cap on one header: name and value together, in characters.</summary>
    public int MaxHeaderBytes { get; set; } = 16 * 1024;

    /// <summary>Cap on what one call may log (print_debug, stderr) before lines are dropped.</summary>
    public int MaxLogBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How many function versions each engine keeps ready on a silo (compiled modules, prepared scripts, guest
    /// snapshots with their warm micro-VMs); the least recently used go first, a deleted function's at once.
    /// </summary>
    public int CachedVersions { get; set; } = 256;

    /// <summary>Where compiled wasm modules are kept across restarts; none when null (the silo sets data/cache/wasm).</summary>
    public string? CompiledCacheDirectory { get; set; }

    /// <summary>Quota of a function's durable file tree (posix mode): bytes of file content.</summary>
    public long FileSystemMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Quota of a function's durable file tree: files and directories.</summary>
    public int FileSystemMaxEntries { get; set; } = 10_000;

    /// <summary>
    /// First calls of one function a silo runs at once unless its registration says otherwise (max_concurrency);
    /// 0: no limit.
    /// </summary>
    public int FunctionConcurrency { get; set; }

    /// <summary>First calls of one function that may wait on a silo for a slot past its concurrency limit; more are refused (429).</summary>
    public int FunctionQueue { get; set; } = 1000;

    /// <summary>Cap on the body of one buffer grain (<c>POST buffer</c>), which is stored in chunks, never held whole.</summary>
    public long MaxStoredBufferBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>How many times a failed asynchronous invocation is tried again (so at most 1 + this many attempts).</summary>
    public int AsyncRetries { get; set; } = 2;

    /// <summary>Asynchronous invocations one silo claims and runs at once; 0: 1024 (two claim batches).</summary>
    public int AsyncConcurrency { get; set; }

    /// <summary>Asynchronous invocations one silo holds queued before it refuses more (503).</summary>
    public int AsyncQueueLimit { get; set; } = 100_000;

    /// <summary>How long an ended asynchronous invocation stays readable (<c>GET invocation/{id}</c>) before it is deleted.</summary>
    public double AsyncKeepHours { get; set; } = 24;
}
