using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution.Placement;

/// <summary>What this silo offers the cluster's placement (orleans.json section "Cluster").</summary>
public sealed class PlacementOptions
{
    public const string Section = "Cluster";

    /// <summary>
    /// The engines this silo runs calls on (<c>wasm</c>, <c>js</c>, <c>kvm-elf</c>); unset: every engine it has (KVM only
    /// with a usable /dev/kvm). A silo never receives calls of an engine it does not offer.
    /// </summary>
    public string[]? Engines { get; set; }

    /// <summary>
    /// A placed call's input or output body larger than this is streamed between the silos in 1 MiB chunks rather than
    /// sent in the call's message (<see cref="BodyTransfers"/>).
    /// </summary>
    public int StreamAboveBytes { get; set; } = 1024 * 1024;

    /// <summary>Whether the configuration lets this silo run <paramref name="kind"/>; throws on a name no engine has.</summary>
    public bool Offers(FunctionKind kind)
    {
        if (Engines is null)
        {
            return true;
        }

        foreach (var name in Engines)
        {
            if (!KindNames.TryGetValue(name.Trim(), out _))
            {
                throw new InvalidOperationException($"Cluster:Engines names '{name}'; engines are {string.Join(", ", KindNames.Keys)}");
            }
        }

        return Engines.Any(name => KindNames[name.Trim()] == kind);
    }

    private static readonly Dictionary<string, FunctionKind> KindNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["wasm"] = FunctionKind.Wasm,
        ["js"] = FunctionKind.Js,
        ["kvm-elf"] = FunctionKind.KvmElf,
        ["kvm"] = FunctionKind.KvmElf,
        ["gpu-compute"] = FunctionKind.GpuCompute,
        ["gpu"] = FunctionKind.GpuCompute,
    };
}
