using System.Text;
using System.Text.RegularExpressions;

namespace MyOwnCluster.Execution.Kvm.WasmGuest;

/// <summary>An exported function a call may start: its wasm name (the ELF symbol) and its integer parameter count.</summary>
internal sealed record WasmGuestExport(string Name, int Parameters);

/// <summary>The generated glue: its C source, the ELF entry symbol, what it exports and imports.</summary>
internal sealed record WasmGlueSource(string Source, string EntrySymbol, IReadOnlyList<WasmGuestExport> Exports, IReadOnlyList<WasmGuestImport> Imports);

/// <summary>
/// Reads the header wasm2c wrote (its <c>/* import: */</c> and <c>/* export: */</c> comments each precede a C
/// prototype) and writes the C that binds each import to the guest runtime and gives each exported function a
/// System V trampoline named after the export, as kvm-elf start functions are.
/// </summary>
internal static partial class WasmGlue
{
    private const int MaxArguments = 6;
    private const string NoStart = "moc_no_start";

    public static WasmGlueSource? Generate(string header, out string? error)
    {
        error = null;
        var instantiate = Instantiate().Match(header);
        var init = InitModule().Match(header);
        if (!instantiate.Success || !init.Success)
        {
            error = "wasm2c wrote a header this platform does not understand (no instantiate function)";
            return null;
        }

        var source = new StringBuilder("#include <stdint.h>\n#include <stddef.h>\n#include \"guest.h\"\n#include \"moc_wasm_rt.h\"\n\n"
            // Hosted (tests), the trampolines keep their C names: a Linux process has a _start of its own.
            + "#ifdef MOC_HOSTED\n#define MOC_SYMBOL(name)\n#else\n#define MOC_SYMBOL(name) __asm__(name)\n#endif\n\n");
        var imports = BindImports(header, source, out error);
        if (imports is null)
        {
            return null;
        }

        var instanceType = instantiate.Groups["instance"].Value;
        var importInstances = instantiate.Groups["params"].Value.Split(',').Length - 1;
        source.Append($"static {instanceType} moc_instance;\n\n");
        source.Append("static void moc_instantiate(void)\n{\n    moc_runtime_begin();\n");
        source.Append($"    {init.Groups["fn"].Value}();\n");
        source.Append($"    {instantiate.Groups["fn"].Value}(&moc_instance{string.Concat(Enumerable.Repeat(", NULL", importInstances))});\n}}\n\n");
        source.Append($"void {NoStart}(void) {{ moc_trap(MOC_TRAP_NO_START); }}\n\n");

        var exports = AppendExports(header, source);
        var entry = exports.Any(e => e.Name == "_start") ? "_start" : NoStart;
        return new WasmGlueSource(source.ToString(), entry, exports, imports);
    }

    /// <summary>A trampoline per callable export, and (hosted builds) the table the shim finds them in by name.</summary>
    private static List<WasmGuestExport> AppendExports(string header, StringBuilder source)
    {
        var exports = new List<WasmGuestExport>();
        foreach (Match match in Export().Matches(header))
        {
            if (Trampoline(match, exports.Count, source) is { } export)
            {
                exports.Add(export);
            }
        }

        source.Append("#ifdef MOC_HOSTED\nconst struct { const char *name; void *function; int parameters; } moc_exports[] = {\n");
        for (var i = 0; i < exports.Count; i++)
        {
            source.Append($"    {{\"{exports[i].Name}\", (void *)moc_export_{i}, {exports[i].Parameters}}},\n");
        }

        source.Append("    {NULL, NULL, 0},\n};\n#endif\n");
        return exports;
    }

    /// <summary>Every import bound to the runtime, or null with the reason (all unavailable ones named at once).</summary>
    private static List<WasmGuestImport>? BindImports(string header, StringBuilder source, out string? error)
    {
        error = null;
        var imports = new List<WasmGuestImport>();
        var importComments = Regex.Count(header, @"/\* import: ");
        var unavailable = new List<string>();
        foreach (Match match in Import().Matches(header))
        {
            var (module, name) = (match.Groups["module"].Value, match.Groups["name"].Value);
            if (Find(module, name) is not { } import)
            {
                unavailable.Add($"{module}.{name}");
                continue;
            }

            if (!BindImport(match, import, source, out error))
            {
                return null;
            }

            imports.Add(import);
        }

        if (unavailable.Count > 0)
        {
            error = $"imports not available with isolation kvm: {string.Join(", ", unavailable.Order(StringComparer.Ordinal))} (the "
                + "my-own-cluster module, core's calls and WASI preview 1 are; see docs/kvm.md)";
            return null;
        }

        if (imports.Count + unavailable.Count != importComments)
        {
            error = "the module imports something other than functions (a memory, table or global): not available with isolation kvm";
            return null;
        }

        return imports;
    }

    /// <summary>A runtime-served import, else a <c>core</c> or WASI function of the host's (the functions Wasmtime binds).</summary>
    private static WasmGuestImport? Find(string module, string name)
    {
        if (WasmGuestImports.All.TryGetValue((module, name), out var import))
        {
            return import;
        }

        var (hostCall, found) = module == Wasm.CoreModule.Name ? ("moc_core", WasmCoreCalls.Find(name)) : ("moc_wasi", WasmWasiCalls.Find(module, name));
        return found is { } host
            ? new WasmGuestImport(module, name, host.Entry.Parameters, null, hostCall, host.Number, host.Entry.Result)
            : null;
    }

    private static bool BindImport(Match match, WasmGuestImport import, StringBuilder source, out string? error)
    {
        error = null;
        var (module, name) = (import.Module, import.Name);
        var prototype = Prototype().Match(match.Groups["decl"].Value.Trim());
        var parameters = prototype.Success ? prototype.Groups["params"].Value.Split(',', StringSplitOptions.TrimEntries) : [];
        var types = import.Parameters.Select(kind => kind == 'j' ? "u64" : "u32").ToArray();
        var (returnType, returnsWhat) = import.Result switch
        {
            "i" => ("u32", "an i32"),
            "j" => ("u64", "an i64"),
            _ => ("void", "nothing"),
        };
        if (!prototype.Success || prototype.Groups["ret"].Value != returnType || !parameters.Skip(1).SequenceEqual(types))
        {
            error = $"import {module}.{name} has the wrong signature (it takes ({WasmTypes(import.Parameters)}) and returns {returnsWhat})";
            return false;
        }

        var names = Enumerable.Range(0, types.Length).Select(i => $"a{i}").ToArray();
        var declared = string.Concat(names.Select((n, i) => $", {types[i]} {n}"));
        // moc_core and moc_wasi hand back the whole of RAX: an i32 result is its low half, an i64 one all of it.
        var ret = import.Result switch
        {
            "i" => "return (u32)",
            "j" => "return ",
            _ => "",
        };
        source.Append($"{prototype.Groups["ret"].Value} {prototype.Groups["fn"].Value}({parameters[0]} instance{declared})\n{{\n    (void)instance;\n");
        if (import.RuntimeFunction is { } runtime)
        {
            var index = WasmGuestImports.Indexed.ToList().IndexOf(import);
            source.Append($"    moc_import = {index};\n    return {runtime}({string.Join(", ", names)});\n}}\n\n");
            return true;
        }

        var args = names.Length == 0 ? "NULL" : "args";
        if (names.Length > 0)
        {
            source.Append($"    const uint64_t args[] = {{{string.Join(", ", names)}}};\n");
        }

        source.Append($"    {ret}{import.HostCall}({import.Number}, {names.Length}, {args});\n}}\n\n");
        return true;
    }

    private static string WasmTypes(string kinds) => string.Join(", ", kinds.Select(kind => kind == 'j' ? "i64" : "i32"));

    /// <summary>A trampoline for an exported function with integer parameters; null for other exports (memory, globals...).</summary>
    private static WasmGuestExport? Trampoline(Match match, int index, StringBuilder source)
    {
        var name = match.Groups["name"].Value;
        var prototype = Prototype().Match(match.Groups["decl"].Value.Trim());
        if (!prototype.Success || !SymbolName().IsMatch(name))
        {
            return null;
        }

        var ret = prototype.Groups["ret"].Value;
        var parameters = prototype.Groups["params"].Value.Split(',', StringSplitOptions.TrimEntries).Skip(1).ToArray();
        if (ret is not ("u32" or "u64" or "void") || parameters.Length > MaxArguments || parameters.Any(p => p is not ("u32" or "u64")))
        {
            return null;
        }

        var signature = $"int64_t moc_export_{index}(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)";
        var arguments = string.Concat(parameters.Select((p, i) => $", ({p})a{i}"));
        var call = $"{prototype.Groups["fn"].Value}(&moc_instance{arguments})";
        source.Append($"__attribute__((visibility(\"default\"))) {signature} MOC_SYMBOL(\"{name}\");\n");
        source.Append($"{signature}\n{{\n    (void)a0; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5;\n    moc_instantiate();\n");
        source.Append(ret switch
        {
            "void" => $"    {call};\n    return 0;\n}}\n\n",
            "u32" => $"    return (int64_t)(int32_t){call};\n}}\n\n",
            _ => $"    return (int64_t){call};\n}}\n\n",
        });
        return new WasmGuestExport(name, parameters.Length);
    }

    [GeneratedRegex(@"/\* import: '(?<module>[^'\n]*)' '(?<name>[^'\n]*)' \*/\s*\n(?<decl>[^\n;]*\([^\n;]*\));")]
    private static partial Regex Import();

    [GeneratedRegex(@"/\* export: '(?<name>[^'\n]*)' \*/\s*\n(?<decl>[^\n;]*);")]
    private static partial Regex Export();

    [GeneratedRegex(@"^(?<ret>\w+)\s+(?<fn>\w+)\((?<params>[^)]*)\)$")]
    private static partial Regex Prototype();

    [GeneratedRegex(@"void (?<fn>Z_\w+_instantiate)\((?<instance>Z_\w+_instance_t)\*(?<params>[^)]*)\);")]
    private static partial Regex Instantiate();

    [GeneratedRegex(@"void (?<fn>Z_\w+_init_module)\(void\);")]
    private static partial Regex InitModule();

    /// <summary>Export names that can be ELF symbols as they are (an asm label); others are not callable in a micro-VM.</summary>
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.]{0,200}$")]
    private static partial Regex SymbolName();
}
