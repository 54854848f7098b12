using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Execution.Wasm.Components;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Functions;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// The silo's WebAssembly engine: one Wasmtime engine and linker with every host module, compiled modules
/// cached by tech id, and a fresh store + instance per call with a memory cap and an epoch deadline.
/// </summary>
public sealed class WasmEngine : IFunctionEngine, IDisposable
{
    private const uint PooledInstances = 1000;
    private const nuint KeepResidentBytes = 1 << 20;
    private readonly Engine engine;
    private readonly Linker linker;
    private readonly VersionCache<LoadedCode> modules;
    private readonly IReadOnlyList<IWasmHostModule> hostModules;
    private readonly ExecutionOptions limits;
    private readonly ILogger logger;
    private readonly EpochTicker epochTicker;
    private readonly IWasiUrlFetcher? urlFetcher;
    private readonly CompiledModuleCache compiledCache;
    private readonly DurableTrees trees;
    private readonly ComponentHost components;

    public WasmEngine(
        IEnumerable<IWasmHostModule> hostModules,
        IOptions<ExecutionOptions> limits,
        ILogger<WasmEngine> logger,
        IWasiFileSystemProvider? fileSystems = null,
        IWasiUrlFetcher? urlFetcher = null,
        ICompiledCodeStore? compiledCode = null)
    {
        this.limits = limits.Value;
        this.logger = logger;
        modules = new VersionCache<LoadedCode>(this.limits.CachedVersions);
        compiledCache = new CompiledModuleCache(this.limits.CompiledCacheDirectory, logger, compiledCode);
        // The pooling allocator keeps instance slots warm: a fresh instance per call costs no mmap/munmap. The first
        // KeepResidentBytes of a freed memory or table are zeroed with memset instead of madvise: madvise flushes the TLB
        // of every core by IPI, which profiling showed as the largest single cost of a small call at load.
        using var pool = new PoolingAllocationConfig()
            .WithLinearMemoryKeepResidentBytes(KeepResidentBytes)
            .WithTableKeepResidentBytes(KeepResidentBytes / 16)
            .WithMaxMemories(PooledInstances)
            .WithMaxTables(PooledInstances)
            .WithMaxCoreInstances(PooledInstances)
            .WithMaxTableElements(100_000)
            .WithMaxMemorySize((nuint)this.limits.MemoryBytes)
            .WithMaxUnusedWarmSlots(64);
        trees = new DurableTrees(fileSystems, logger);
        this.urlFetcher = urlFetcher;
        engine = new Engine(new Config()
            .WithEpochInterruption(true)
            .WithComponentModel(true)
            .WithOptimizationLevel(OptimizationLevel.Speed)
            .WithPoolingAllocationStrategy(pool));
        linker = new Linker(engine);
        this.hostModules = hostModules.ToArray();
        foreach (var module in this.hostModules)
        {
            module.Define(linker);
        }

        epochTicker = new EpochTicker(engine);
        components = new ComponentHost(engine, epochTicker);
    }

    public FunctionKind Kind => FunctionKind.Wasm;

    /// <summary>How the modules this engine loaded for calls got their machine code (validation is not counted).</summary>
    internal (int Compiled, int FromDisk, int FromStore) CodeLoads => compiledCache.Loads;

    internal bool EpochTicking => epochTicker.IsTicking;

    internal int EpochTickerStarts => epochTicker.Starts;

    public FunctionValidation Validate(ReadOnlySpan<byte> bytes, string? techId = null)
    {
        if (ComponentBinary.IsComponent(bytes))
        {
            return ValidateComponent(bytes, techId ?? Files.TechIds.Of(bytes));
        }

        Module module;
        try
        {
            module = Module.FromBytes(engine, "validate", bytes);
        }
        catch (WasmtimeException e)
        {
            return $"the module does not compile: {e.Message}";
        }

        using (module)
        using (var store = new Store(engine))
        {
            var unknown = new List<string>();
            var bound = new List<BoundImport>();
            foreach (var import in module.Imports)
            {
                var name = $"{import.ModuleName}.{import.Name}";
                if (import is not FunctionImport functionImport)
                {
                    unknown.Add($"{name} (only function imports are provided)");
                }
                else if (linker.GetFunction(store, import.ModuleName, import.Name) is not { } provided)
                {
                    // TinyGo's (2020) browser glue: imported by every TinyGo build, never called by a WASI program's
                    // own code path; like any import no function provides, it traps only if called.
                    if (!ModuleBinding.IsTinyGoJsStub(import.ModuleName, import.Name))
                    {
                        bound.Add(new BoundImport(import.ModuleName, import.Name));
                    }
                }
                else if (!provided.Parameters.SequenceEqual(functionImport.Parameters) || !provided.Results.SequenceEqual(functionImport.Results))
                {
                    unknown.Add($"{name} (wrong signature)");
                }
            }

            // The compile that validated the module is kept on disk once the caller accepts it (its bound imports
            // found): the first call then loads machine code, it does not compile. A module refused for its imports
            // keeps nothing.
            return new FunctionValidation(null, unknown, bound)
            {
                Accept = unknown.Count > 0 ? null : compiledCache.Keep(techId ?? Files.TechIds.Of(bytes), module),
            };
        }
    }

    /// <summary>A component accepted at registration is kept compiled: on disk and in the store as modules are, and loaded here.</summary>
    private FunctionValidation ValidateComponent(ReadOnlySpan<byte> bytes, string techId)
    {
        if (components.Check(bytes, out var component) is { } error)
        {
            return error;
        }

        var persist = compiledCache.Keep(techId, component!);
        return new FunctionValidation(null, [], [])
        {
            Accept = async () =>
            {
                if (persist is not null)
                {
                    await persist();
                }

                await modules.GetOrLoad(techId, () => Task.FromResult<LoadedCode>(new LoadedComponent(component!)));
            },
        };
    }

    public async Task<InvocationResult> InvokeAsync(FunctionTarget target, InvocationRequest request)
    {
        LoadedCode code;
        try
        {
            code = await GetCodeAsync(target);
        }
        catch (Exception e)
        {
            modules.Remove(target.TechId);
            logger.LogError(e, "Cannot load module {Function} ({TechId})", target.Name, target.TechId);
            return InvocationResult.Failed(InvocationOutcome.GuestError, $"cannot load module: {e.Message}");
        }

        var guest = target.CreateGuest(request, limits, logger);
        if (code is LoadedComponent component)
        {
            return request.Mode == InvocationMode.Posix
                ? await RunComponentAsync(target, component, guest)
                : InvocationResult.Failed(InvocationOutcome.BadRequest, "a WASI preview 2 component runs in posix mode only (wasi:cli/run)");
        }

        var module = (LoadedModule)code;
        if (request.Mode != InvocationMode.Posix)
        {
            return await RunAsync(module, guest, null);
        }

        return await RunPosixAsync(target, tree => RunAsync(module, guest, new WasiState(guest, tree, urlFetcher)).AsTask());
    }

    public void Dispose()
    {
        epochTicker.Dispose();
        foreach (var loaded in modules.Loaded())
        {
            if (loaded is LoadedModule module && module.Linker == linker)
            {
                module.Module.Dispose();
            }
            else
            {
                loaded.Dispose();
            }
        }

        components.Dispose();
        linker.Dispose();
        engine.Dispose();
    }

    /// <summary>Compiled module or component for a tech id, compiled at most once per silo.</summary>
    internal Task<LoadedCode> GetCodeAsync(FunctionTarget target) =>
        modules.GetOrLoad(target.TechId, async () =>
        {
            var bytes = await target.LoadBytes();
            if (ComponentBinary.IsComponent(bytes))
            {
                return new LoadedComponent(await compiledCache.LoadComponentAsync(engine, target.TechId, bytes));
            }

            var module = await compiledCache.LoadAsync(engine, target.Name, target.TechId, bytes);
            var bound = ModuleBinding.BoundImports(engine, linker, module);
            return new LoadedModule(module, bound.Count == 0 ? linker : ModuleBinding.CreateLinker(engine, hostModules, bound));
        });

    public int CachedVersions => modules.Count;

    /// <summary>Drops the compiled module, here and on disk (not in the cluster's store: another silo may still use it).</summary>
    public void Forget(string techId)
    {
        modules.Remove(techId);
        compiledCache.Forget(techId);
    }

    /// <summary>Posix mode: the function's file tree is loaded before the call and saved after it if the program changed it.</summary>
    private Task<InvocationResult> RunPosixAsync(FunctionTarget target, Func<Vfs, Task<InvocationResult>> run) =>
        trees.RunAsync(target.Name, run);

    /// <summary>A component call on a guest thread, on the function's durable tree (saved by <see cref="RunPosixAsync"/> when changed).</summary>
    private Task<InvocationResult> RunComponentAsync(FunctionTarget target, LoadedComponent component, GuestContext guest) =>
        RunPosixAsync(target, tree => GuestThreads.Shared.RunAsync(
            (Host: components, Component: component, Guest: guest, Tree: tree),
            static call => call.Host.Run(call.Component, call.Guest, call.Tree, EpochTicks(call.Guest))).AsTask());

    /// <summary>One call in a fresh store, with the epoch ticking for its deadline, on a thread <see cref="GuestThreads"/> picks.</summary>
    private ValueTask<InvocationResult> RunAsync(LoadedModule module, GuestContext guest, WasiState? wasi) =>
        GuestThreads.Shared.RunAsync((Engine: this, Module: module, Guest: guest, Wasi: wasi), static call =>
        {
            using var ticking = call.Engine.epochTicker.Enter();
            return WasmInvocation.Run(call.Engine.engine, call.Module.Linker, call.Module.Module, call.Guest, call.Wasi, EpochTicks(call.Guest));
        });

    /// <summary>What is left of the call tree's deadline, in epoch ticks (a first call has its whole CallTimeoutMs).</summary>
    private static ulong EpochTicks(GuestContext guest) =>
        (ulong)Math.Max(1, (guest.RemainingMs + EpochTicker.TickMs - 1) / EpochTicker.TickMs);
}

/// <summary>What a tech id loads as on this silo: a core module (<see cref="LoadedModule"/>) or a component.</summary>
internal abstract record LoadedCode : IDisposable
{
    public abstract void Dispose();
}

/// <summary>A compiled module and the linker it is instantiated with (the shared one, or its own when it has bound imports).</summary>
internal sealed record LoadedModule(Module Module, Linker Linker) : LoadedCode
{
    public override void Dispose()
    {
        Module.Dispose();
        Linker.Dispose();
    }
}
