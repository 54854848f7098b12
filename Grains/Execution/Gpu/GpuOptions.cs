namespace MyOwnCluster.Execution.Gpu;

/// <summary>The silo's GPU engine (orleans.json section "Gpu").</summary>
public sealed class GpuOptions
{
    public const string Section = "Gpu";

    /// <summary>
    /// Which Vulkan device runs gpu-compute functions: its index in <c>moc gpu-check</c>'s list or part of its name
    /// ("llvmpipe" for Mesa's lavapipe on the CPU). Empty: the first discrete GPU, else an integrated one, else any.
    /// </summary>
    public string? Device { get; set; }

    /// <summary>False: this silo runs no gpu-compute function (it still compiles and validates them at registration).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long compiling or validating one shader at registration may take.</summary>
    public int CompileTimeoutMs { get; set; } = 20_000;
}
