using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Execution.Kvm.WasmGuest;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>What <see cref="KvmEngine.Probe"/> found: whether /dev/kvm works here, and its API version.</summary>
public sealed record KvmProbeResult(bool Available, int ApiVersion, string Message);

/// <summary>
/// The silo's KVM engine: native x86-64 ELF guests in micro-VMs. Parsed images are cached per tech id, warm VMs
/// are pooled per tech id and reset between calls, and every call runs on a dedicated vCPU thread under a deadline.
/// Without a usable /dev/kvm it still constructs, validates ELFs, and answers every call with Unavailable.
/// </summary>
public sealed class KvmEngine : IFunctionEngine, IDisposable
{
    private const int MaxArguments = 6;
    private readonly ExecutionOptions limits;
    private readonly ILogger logger;
    private readonly GuestLayout layout;
    private readonly KvmSystem? system;
    private readonly string? unavailable;
    private readonly VcpuThreads? threads;
    private readonly VersionCache<GuestSnapshot> snapshots;
    private readonly VmPool pool;
    private readonly WasmGuest.WasmTranslator translator;
    private readonly DurableTrees trees;
    private readonly IWasiUrlFetcher? urlFetcher;
    private int machinesCreated;
    private int machinesRunning;

    public KvmEngine(IOptions<ExecutionOptions> limits, ILogger<KvmEngine> logger, IWasiFileSystemProvider? fileSystems = null,
        IWasiUrlFetcher? urlFetcher = null)
        : this(limits, logger, KvmSystem.DevicePath, fileSystems: fileSystems, urlFetcher: urlFetcher)
    {
    }

    /// <summary>
    /// Tests point this at a missing device to see the engine without KVM; benchmarks set <paramref name="pooledPerFunction"/>
    /// to 0 to make every call a cold one (create the VM, load, run, destroy).
    /// </summary>
    internal KvmEngine(IOptions<ExecutionOptions> limits, ILogger<KvmEngine> logger, string devicePath, int? pooledPerFunction = null,
        IWasiFileSystemProvider? fileSystems = null, IWasiUrlFetcher? urlFetcher = null)
    {
        this.limits = limits.Value;
        this.logger = logger;
        trees = new DurableTrees(fileSystems, logger);
        this.urlFetcher = urlFetcher;
        layout = new GuestLayout(this.limits.KvmMemoryBytes);
        translator = new WasmGuest.WasmTranslator(this.limits.CompiledCacheDirectory is { } compiled
            ? Path.GetFullPath(Path.Combine(compiled, "..", "kvm-wasm"))
            : null);
        var threadCount = Math.Max(4, Environment.ProcessorCount * 2);
        pool = new VmPool(pooledPerFunction ?? threadCount);
        // A version that leaves the cache takes its warm VMs with it: the pool holds VMs of cached versions only.
        snapshots = new VersionCache<GuestSnapshot>(this.limits.CachedVersions, pool.Drop);
        try
        {
            unavailable = VcpuSignal.EnsureInstalled();
            system = unavailable is null ? KvmSystem.Open(devicePath) : null;
        }
        catch (Exception e) when (e is KvmException or DllNotFoundException or EntryPointNotFoundException)
        {
            unavailable = e.Message;
        }

        if (system is null)
        {
            logger.LogWarning("KVM is not available on this silo: {Reason}; kvm-elf functions will answer Unavailable", unavailable);
            return;
        }

        threads = new VcpuThreads(threadCount);
        logger.LogInformation("KVM engine ready (API {Version}, {Memory} MiB per VM, {Threads} vCPU threads)",
            system.ApiVersion, layout.MemoryBytes >> 20, threadCount);
    }

    public FunctionKind Kind => FunctionKind.KvmElf;

    public bool IsAvailable => system is not null;

    /// <summary>Micro-VMs created so far (pool misses): tells warm calls from cold ones.</summary>
    public int MachinesCreated => Volatile.Read(ref machinesCreated);

    /// <summary>Micro-VMs running a call now.</summary>
    public int MachinesRunning => Volatile.Read(ref machinesRunning);

    /// <summary>Clean micro-VMs kept warm for the next call.</summary>
    public int MachinesPooled => pool.IdleCount;

    /// <summary>Opens /dev/kvm on its own, for <c>moc kvm-check</c> and health pages.</summary>
    public static KvmProbeResult Probe()
    {
        try
        {
            using var probe = KvmSystem.Open();
            return new KvmProbeResult(true, probe.ApiVersion, $"KVM API version {probe.ApiVersion} at {KvmSystem.DevicePath}");
        }
        catch (Exception e) when (e is KvmException or DllNotFoundException or EntryPointNotFoundException)
        {
            return new KvmProbeResult(false, 0, $"KVM is not available on this silo: {e.Message}");
        }
    }

    public FunctionValidation Validate(ReadOnlySpan<byte> bytes, string? techId = null)
    {
        try
        {
            ElfImage.Parse(bytes, layout);
            return FunctionValidation.Valid;
        }
        catch (ElfException e)
        {
            return $"not a runnable KVM guest: {e.Message}";
        }
    }

    /// <summary>
    /// Registration of a wasm module with isolation kvm: it must translate into a guest this engine loads (the ELF is
    /// kept in the translation cache, so the first call does not translate again). Works without /dev/kvm.
    /// </summary>
    public string? ValidateWasm(byte[] wasm, string techId)
    {
        var elf = translator.GetElf(wasm, techId, out var error);
        if (elf is null)
        {
            return $"cannot run this module with isolation kvm: {error}";
        }

        try
        {
            WasmGuestLayout(elf);
            return null;
        }
        catch (ElfException e)
        {
            return $"cannot run this module with isolation kvm: {e.Message}";
        }
    }

    public async Task<InvocationResult> InvokeAsync(FunctionTarget target, InvocationRequest request)
    {
        if (system is null || threads is null)
        {
            return InvocationResult.Failed(InvocationOutcome.Unavailable, target.WasmInKvm
                ? $"this function runs with isolation kvm, and KVM is not available on this silo: {unavailable}"
                : $"KVM is not available on this silo: {unavailable}");
        }

        var refusal = CheckRequest(target, request);
        if (refusal is not null)
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest, refusal);
        }

        GuestSnapshot snapshot;
        try
        {
            snapshot = await GetSnapshotAsync(target);
        }
        catch (Exception e)
        {
            snapshots.Remove(target.TechId);
            logger.LogError(e, "Cannot load KVM guest {Function} ({TechId})", target.Name, target.TechId);
            return InvocationResult.Failed(InvocationOutcome.GuestError, $"cannot load the guest: {e.Message}");
        }

        if (snapshot.ResolveStart(request.StartFunction) is not { } start)
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest, $"the ELF exports no function '{request.StartFunction}'");
        }

        if (request.Mode == InvocationMode.Posix)
        {
            return await trees.RunAsync(target.Name, tree => RunAsync(target, snapshot, start, request, tree));
        }

        return await RunAsync(target, snapshot, start, request, null);
    }

    private async Task<InvocationResult> RunAsync(FunctionTarget target, GuestSnapshot snapshot, ulong start, InvocationRequest request, Vfs? tree)
    {
        var call = threads!.TryRun(() => RunOnVcpuThread(target, snapshot, start, request, tree));
        return call is null
            ? InvocationResult.Failed(InvocationOutcome.Unavailable, "the KVM engine is shutting down")
            : await call;
    }

    public void Dispose()
    {
        threads?.Dispose();
        pool.Dispose();
        system?.Dispose();
    }

    private static string? CheckRequest(FunctionTarget target, InvocationRequest request) => request switch
    {
        { Mode: InvocationMode.Posix } when !target.WasmInKvm => "posix mode is not supported for kvm-elf functions (use direct mode)",
        { Arguments.Count: > MaxArguments } => $"a kvm-elf function takes at most {MaxArguments} integer arguments, {request.Arguments.Count} given",
        _ => null,
    };

    private Task<GuestSnapshot> GetSnapshotAsync(FunctionTarget target) =>
        snapshots.GetOrLoad(target.TechId, async () =>
        {
            var bytes = await target.LoadBytes();
            if (!target.WasmInKvm)
            {
                return GuestSnapshot.Build(ElfImage.Parse(bytes, layout), layout);
            }

            var elf = translator.GetElf(bytes, target.TechId, out var error) ?? throw new ElfException(error!);
            var (image, wasmLayout) = WasmGuestLayout(elf);
            return GuestSnapshot.Build(image, wasmLayout);
        });

    /// <summary>
    /// A translated module's machine: RAM for its image, linear memory up to <c>Limits:MemoryBytes</c> and the stack
    /// (moc_wasm_rt.c keeps the same reserve), in 2 MiB steps; pages the module never touches cost nothing.
    /// </summary>
    private (ElfImage Image, GuestLayout Layout) WasmGuestLayout(byte[] elf)
    {
        const ulong linearAlignment = 64 * 1024;
        const ulong stackReserve = GuestLayout.StackBytes + (64 * 1024);
        var image = ElfImage.Parse(elf, new GuestLayout((long)GuestLayout.MappedBytes));
        var imageEnd = image.Segments.Max(s => s.Address + s.MemorySize);
        var linearStart = (imageEnd + linearAlignment - 1) / linearAlignment * linearAlignment;
        var needed = linearStart + (ulong)limits.MemoryBytes + stackReserve;
        var ram = (needed + GuestLayout.LargePage - 1) / GuestLayout.LargePage * GuestLayout.LargePage;
        if (ram > GuestLayout.MappedBytes)
        {
            throw new ElfException($"Limits:MemoryBytes ({limits.MemoryBytes} bytes) is more than a micro-VM's 1 GiB holds with the module");
        }

        var wasmLayout = new GuestLayout((long)ram) { LinearMemoryCap = limits.MemoryBytes };
        return (ElfImage.Parse(elf, wasmLayout), wasmLayout);
    }

    public int CachedVersions => snapshots.Count;

    public void Forget(string techId)
    {
        snapshots.Remove(techId);
        pool.Drop(techId);
    }

    private InvocationResult RunOnVcpuThread(FunctionTarget target, GuestSnapshot snapshot, ulong start, InvocationRequest request, Vfs? tree)
    {
        KvmMachine machine;
        try
        {
            machine = pool.Rent(target.TechId) ?? CreateMachine(snapshot);
        }
        catch (KvmException e)
        {
            logger.LogError(e, "Cannot create a micro-VM for {Function}", target.Name);
            return InvocationResult.Failed(InvocationOutcome.Unavailable, $"cannot create a micro-VM: {e.Message}");
        }

        var guest = target.CreateGuest(request, limits, logger);
        var call = WasmKvmCall.Begin(guest, tree, urlFetcher);
        CallOutcome outcome;
        Interlocked.Increment(ref machinesRunning);
        try
        {
            outcome = KvmCall.Run(machine, start, WasmKvmCall.Arguments(request), call, limits.KvmMaxHypercalls, wideResult: target.WasmInKvm);
        }
        catch (Exception e)
        {
            logger.LogError(e, "KVM call of {Function} failed in the host", target.Name);
            outcome = CallOutcome.Fail(InvocationOutcome.GuestError, $"the KVM host failed during the call: {e.Message}");
        }
        finally
        {
            Interlocked.Decrement(ref machinesRunning);
        }

        Recycle(target.TechId, machine, outcome.Clean);
        if (target.WasmInKvm)
        {
            return WasmKvmCall.Finish(call, outcome);
        }

        return outcome.Clean
            ? new InvocationResult(InvocationOutcome.Ok, outcome.Result, guest.Output.ToData(), null)
            : InvocationResult.Failed(outcome.Outcome, outcome.Error!);
    }

    private KvmMachine CreateMachine(GuestSnapshot snapshot)
    {
        var machine = KvmMachine.Create(system!, snapshot);
        Interlocked.Increment(ref machinesCreated);
        return machine;
    }

    /// <summary>A VM that ended on hlt is reset and pooled; one stopped mid-instruction (fault, deadline) is dropped.</summary>
    private void Recycle(string techId, KvmMachine machine, bool clean)
    {
        if (!clean || !snapshots.Contains(techId))
        {
            // Stopped mid-instruction, or its version was dropped while it ran.
            machine.Dispose();
            return;
        }

        try
        {
            machine.Reset();
            pool.Return(techId, machine);
        }
        catch (KvmException e)
        {
            logger.LogWarning(e, "Dropping a micro-VM that could not be reset");
            machine.Dispose();
        }
    }
}
