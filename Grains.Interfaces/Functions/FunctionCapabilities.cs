namespace MyOwnCluster.Functions;

/// <summary>
/// The platform powers a registration grants a function beyond its own buffers, key-value namespace and files (which
/// always work, as does the founding <c>my-own-cluster</c> module): none unless granted.
/// </summary>
[Flags]
[GenerateSerializer]
public enum FunctionCapabilities
{
    None = 0,

    /// <summary>Register or replace named blobs and functions, store blobs (<c>register_blob*</c>).</summary>
    Register = 1,

    /// <summary>Plug and unplug routes (<c>plug_function</c>, <c>plug_file</c>, <c>unplug_path</c>).</summary>
    Plug = 2,

    /// <summary>Plug and unplug request filters.</summary>
    Filters = 4,

    /// <summary>Create, delete and list schedules.</summary>
    Schedules = 8,

    /// <summary>Read other functions' blobs and tech ids (<c>get_blob_*</c> on anything but the function itself).</summary>
    Blobs = 16,

    /// <summary>Read the platform's status: every function, plug, filter and schedule (<c>get_status</c>).</summary>
    Status = 32,

    All = Register | Plug | Filters | Schedules | Blobs | Status,
}

/// <summary>The names of <see cref="FunctionCapabilities"/> as registrations, exports and the CLI spell them.</summary>
public static class CapabilityNames
{
    private static readonly (string Name, FunctionCapabilities Flag)[] Known =
    [
        ("register", FunctionCapabilities.Register),
        ("plug", FunctionCapabilities.Plug),
        ("filters", FunctionCapabilities.Filters),
        ("schedules", FunctionCapabilities.Schedules),
        ("blobs", FunctionCapabilities.Blobs),
        ("status", FunctionCapabilities.Status),
    ];

    public static IEnumerable<string> All => Known.Select(k => k.Name);

    public static string NameOf(FunctionCapabilities flag) => Known.First(k => k.Flag == flag).Name;

    /// <summary>The flags of <paramref name="names"/> ("all" is every one); an error naming the unknown one otherwise.</summary>
    public static (FunctionCapabilities Capabilities, string? Error) Parse(IEnumerable<string> names)
    {
        var capabilities = FunctionCapabilities.None;
        foreach (var name in names)
        {
            var trimmed = name.Trim().ToLowerInvariant();
            if (trimmed == "all")
            {
                capabilities |= FunctionCapabilities.All;
                continue;
            }

            var known = Known.FirstOrDefault(k => k.Name == trimmed);
            if (known.Name is null)
            {
                return (FunctionCapabilities.None, $"unknown capability '{name}'; known: {string.Join(", ", All)}, all");
            }

            capabilities |= known.Flag;
        }

        return (capabilities, null);
    }

    public static IReadOnlyList<string> Names(FunctionCapabilities capabilities) =>
        Known.Where(k => capabilities.HasFlag(k.Flag)).Select(k => k.Name).ToArray();
}
