using System.Text;
using MyOwnCluster.Execution.Wasm.Wasi;
using Wasmtime;
using Wasmtime.Components;

namespace MyOwnCluster.Execution.Wasm.Components;

/// <summary>A compiled WASI preview 2 component, kept per tech id beside the core modules.</summary>
internal sealed record LoadedComponent(Component Component) : LoadedCode
{
    public override void Dispose() => Component.Dispose();
}

/// <summary>
/// Validates and runs WASI preview 2 command components (<c>wasi:cli/run</c>) in posix mode, on the engine, epoch
/// ticker and pooled memory of the core modules. Wasmtime's own WASI preview 2 host serves every <c>wasi:*</c> import;
/// the function's durable tree reaches it as a host directory (<see cref="ComponentTree"/>).
/// </summary>
internal sealed class ComponentHost : IDisposable
{
    /// <summary>Looked up semver-compatibly: a component built against any WASI 0.2.x release matches.</summary>
    public const string RunInterface = "wasi:cli/run@0.2.0";

    // A component made by an adapter is several core instances (program, adapter, shims), each with tables and memories.
    private const int MaxInstances = 32;
    private const int MaxTables = 32;
    private const int MaxMemories = 8;
    private readonly Engine engine;
    private readonly EpochTicker epochTicker;
    private readonly ComponentLinker linker;

    public ComponentHost(Engine engine, EpochTicker epochTicker)
    {
        this.engine = engine;
        this.epochTicker = epochTicker;
        linker = new ComponentLinker(engine);
        linker.AddWasiPreview2();
    }

    /// <summary>
    /// Compiles the component and checks it is a command whose imports Wasmtime's WASI host provides: null and the
    /// compiled component when it is, else the reason.
    /// </summary>
    public string? Check(ReadOnlySpan<byte> bytes, out Component? component)
    {
        try
        {
            component = Component.FromBytes(engine, bytes);
        }
        catch (WasmtimeException e)
        {
            component = null;
            return $"the component does not compile: {WasmInvocation.Cause(e)}";
        }

        var error = CommandError(component) ?? ImportError(component);
        if (error is not null)
        {
            component.Dispose();
            component = null;
        }

        return error;
    }

    /// <summary>
    /// One posix call: the durable tree copied to a private host directory, the component run on it, and what it left
    /// there written back into <paramref name="tree"/> (which the caller saves when it changed).
    /// </summary>
    public InvocationResult Run(LoadedComponent loaded, GuestContext guest, Vfs tree, ulong epochTicks)
    {
        ComponentTree materialized;
        try
        {
            materialized = ComponentTree.Materialize(tree, guest.GetBuffer(guest.InputBufferId)!.Body);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return InvocationResult.Failed(InvocationOutcome.Unavailable, $"cannot prepare the function's files: {e.Message}");
        }

        using (materialized)
        {
            var result = RunCommand(loaded, guest, materialized, epochTicks);
            tree.ChargeMemory = bytes => guest.TryChargeMemory("wasi", bytes);
            try
            {
                if (!materialized.TryWriteBack(tree, out var error))
                {
                    return WasmInvocation.Failed(guest, InvocationOutcome.GuestError, error);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                tree.MarkClean();
                return WasmInvocation.Failed(guest, InvocationOutcome.Unavailable, $"cannot read back the function's files: {e.Message}");
            }

            if (materialized.SkippedLinks.Count == 0)
            {
                return result;
            }

            foreach (var link in materialized.SkippedLinks)
            {
                guest.WriteStderr(Encoding.UTF8.GetBytes($"moc: symbolic link {link} not kept (the function's files hold none)\n"));
            }

            return result with { Stderr = guest.Stderr.ToArray() };
        }
    }

    /// <summary>Runs <c>wasi:cli/run</c> once in a fresh store: posix mode's contract, the exit code as the result.</summary>
    private InvocationResult RunCommand(LoadedComponent loaded, GuestContext guest, ComponentTree tree, ulong epochTicks)
    {
        var request = guest.Request;
        var argv = new List<string>(request.PosixArguments.Count + 1) { request.Program ?? guest.FunctionName };
        argv.AddRange(request.PosixArguments);
        if (argv.Any(HasNul) || request.Environment.Any(pair => HasNul(pair.Key) || HasNul(pair.Value) || pair.Key.Contains('=')))
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest, "arguments and environment variables may not contain NUL (nor '=' in a name)");
        }

        using var ticking = epochTicker.Enter();
        using var store = new Store(engine);
        store.SetLimits(memorySize: guest.Limits.MemoryBytes, tableElements: 100_000, instances: MaxInstances, tables: MaxTables, memories: MaxMemories);
        store.SetEpochDeadline(epochTicks);
        store.SetWasiConfiguration(new WasiConfiguration()
            .WithArgs(argv)
            .WithEnvironmentVariables(request.Environment.Select(pair => (pair.Key, pair.Value)))
            .WithStandardInput(tree.StdinPath)
            .WithStandardOutputCallback(bytes => WriteOutput(guest, bytes))
            .WithStandardErrorCallback(guest.WriteStderr)
            .WithPreopenedDirectory(tree.RootPath, "/", true));
        try
        {
            var instance = linker.Instantiate(store, loaded.Component);
            var run = instance.GetFunction(RunInterface, "run");
            if (run is null)
            {
                return WasmInvocation.Failed(guest, InvocationOutcome.BadRequest, "the component exports no wasi:cli/run");
            }

            // run returns result<_, _>: ok is exit code 0, err is 1 (what wasi:cli/exit can say).
            var returned = run.Call();
            return WasmInvocation.Completed(guest, returned is { Kind: ComponentValueKind.Result, IsOk: false } ? 1 : 0);
        }
        catch (WasmtimeException e) when (e.ExitCode is { } exitCode)
        {
            return WasmInvocation.Completed(guest, exitCode);
        }
        catch (WasmtimeException e)
        {
            var cause = WasmInvocation.Cause(e);
            if ((e as TrapException)?.Type == TrapCode.Interrupt || cause.Contains("wasm trap: interrupt", StringComparison.Ordinal))
            {
                return WasmInvocation.Failed(guest, InvocationOutcome.Timeout, $"the function ran past its {guest.Limits.CallTimeoutMs} ms deadline");
            }

            if (cause.Contains("memory minimum size", StringComparison.Ordinal))
            {
                return WasmInvocation.Failed(guest, InvocationOutcome.OutOfMemory, $"{cause} (memory cap of {guest.Limits.MemoryBytes} bytes reached)");
            }

            return WasmInvocation.Failed(guest, InvocationOutcome.GuestError, cause);
        }
    }

    public void Dispose() => linker.Dispose();

    private static bool HasNul(string text) => text.Contains('\0', StringComparison.Ordinal);

    /// <summary>Stdout goes to the output buffer within its cap; past it the stream fails in the guest (a write error).</summary>
    private static void WriteOutput(GuestContext guest, ReadOnlySpan<byte> bytes)
    {
        if (!guest.TryAppend("wasi:cli/stdout", guest.Output, bytes))
        {
            throw new IOException("the output buffer is full");
        }
    }

    private static string? CommandError(Component component)
    {
        using var run = component.GetExport(RunInterface);
        using var function = run is null ? null : component.GetExport("run", run);
        return function is null
            ? "the component is not a WASI command: it exports no wasi:cli/run@0.2 (only command components can run here)"
            : null;
    }

    /// <summary>Instantiates once in a throwaway store: a link error names the import Wasmtime's WASI host lacks.</summary>
    private string? ImportError(Component component)
    {
        using var ticking = epochTicker.Enter();
        using var store = new Store(engine);
        store.SetLimits(instances: MaxInstances, tables: MaxTables, memories: MaxMemories);
        store.SetEpochDeadline(100);
        store.SetWasiConfiguration(new WasiConfiguration());
        try
        {
            linker.Instantiate(store, component);
            return null;
        }
        catch (WasmtimeException e)
        {
            return $"the component cannot be linked: {WasmInvocation.Cause(e)}";
        }
    }
}
