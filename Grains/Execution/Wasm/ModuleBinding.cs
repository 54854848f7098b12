using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>
/// Automatic module binding: an import the host does not provide, from a module named like a registered function,
/// is bound to that function's export of the same name. A call runs the other function in its own fresh instance
/// (or micro-VM), in the caller's call tree and on the caller's input and output buffers, with the integer arguments;
/// its integer result is returned. A bound call that fails traps the caller (there is no value to return). Imports no
/// function provides (accepted with <c>"unknown_imports": "trap"</c>, or TinyGo's <c>env.syscall/js.*</c>) are bound the
/// same way and trap, naming the import, only if called.
/// </summary>
internal static class ModuleBinding
{
    /// <summary>TinyGo's syscall/js imports (module "env"), accepted without any registered function behind them.</summary>
    public static bool IsTinyGoJsStub(string module, string name) =>
        module == "env" && name.StartsWith("syscall/js.", StringComparison.Ordinal);

    /// <summary>The imports of a compiled module that only a registered function can provide.</summary>
    public static List<FunctionImport> BoundImports(Engine engine, Linker shared, Module module)
    {
        using var store = new Store(engine);
        return module.Imports.OfType<FunctionImport>()
            .Where(import => shared.GetFunction(store, import.ModuleName, import.Name) is null)
            .ToList();
    }

    /// <summary>A linker of the module's own: every host module plus its bound imports (made once per compiled module).</summary>
    public static Linker CreateLinker(Engine engine, IEnumerable<IWasmHostModule> hostModules, IReadOnlyList<FunctionImport> bound)
    {
        var linker = new Linker(engine);
        foreach (var module in hostModules)
        {
            module.Define(linker);
        }

        foreach (var import in bound)
        {
            Define(linker, import);
        }

        return linker;
    }

    private static void Define(Linker linker, FunctionImport import)
    {
        var function = import.ModuleName;
        var export = import.Name;
        var parameters = import.Parameters.ToArray();
        var results = import.Results.ToArray();
        linker.DefineFunction(function, export, (Caller caller, ReadOnlySpan<ValueBox> arguments, Span<ValueBox> outputs) =>
        {
            var values = new long[arguments.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = parameters[i] == ValueKind.Int64 ? arguments[i].AsInt64() : arguments[i].AsInt32();
            }

            var result = GuestCalls.CallExport(WasmCall.Of(caller).Guest, function, export, values);
            if (result.Outcome == InvocationOutcome.NotFound)
            {
                throw new GuestTrapException($"unknown import {function}.{export} was called: no host module and no function named '{function}' provides it");
            }

            if (result.Outcome != InvocationOutcome.Ok)
            {
                throw new GuestTrapException($"{function}.{export} (bound to the function '{function}'): {result.Error}");
            }

            if (outputs.Length > 0)
            {
                outputs[0] = results[0] == ValueKind.Int64 ? result.Result : unchecked((int)result.Result);
            }
        }, parameters, results);
    }
}
