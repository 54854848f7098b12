using System.Diagnostics;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution.Placement;

/// <summary>
/// This silo's execution load as placement sees it: first calls running here (a nested call runs on its caller's
/// thread, so it adds no load of its own), by engine, and the process's CPU use, sampled once a second.
/// </summary>
public sealed class ExecutionLoad : IDisposable
{
    private readonly int[] runningByKind = new int[Enum.GetValues<FunctionKind>().Length];
    private readonly Timer sampler;
    private int running;
    private long executions;
    private TimeSpan lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long lastSample = Stopwatch.GetTimestamp();
    private double cpu;

    public ExecutionLoad()
    {
        sampler = new Timer(_ => Sample(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>The cores this process may run on (its CPU affinity).</summary>
    public int Cores { get; } = Environment.ProcessorCount;

    public int Running => Volatile.Read(ref running);

    /// <summary>First calls started here since the silo started.</summary>
    public long Executions => Interlocked.Read(ref executions);

    /// <summary>Calls running beyond one per core: they wait for a core.</summary>
    public int Queued => Math.Max(0, Running - Cores);

    /// <summary>CPU use over the last second, 0 to 1 of all <see cref="Cores"/>.</summary>
    public double Cpu => Volatile.Read(ref cpu);

    /// <summary>True while fewer first calls run here than it has cores: a new call runs here without waiting.</summary>
    public bool HasCapacity => Running < Cores;

    public void Started()
    {
        Interlocked.Increment(ref running);
        Interlocked.Increment(ref executions);
    }

    public void Finished() => Interlocked.Decrement(ref running);

    /// <summary>Counts a running first call under its engine (known once its name is resolved).</summary>
    public void EnterKind(FunctionKind kind) => Interlocked.Increment(ref runningByKind[(int)kind]);

    public void LeaveKind(FunctionKind kind) => Interlocked.Decrement(ref runningByKind[(int)kind]);

    public SiloLoad Snapshot(string silo, IReadOnlyList<FunctionKind> engines) =>
        new(silo, Cores, Running, Queued, Math.Round(Cpu, 3), engines, Executions,
            Enum.GetValues<FunctionKind>().Where(k => k != FunctionKind.File).ToDictionary(k => k, k => Volatile.Read(ref runningByKind[(int)k])));

    public void Dispose() => sampler.Dispose();

    private void Sample()
    {
        var now = Stopwatch.GetTimestamp();
        var total = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.GetElapsedTime(lastSample, now);
        if (wall > TimeSpan.Zero)
        {
            Volatile.Write(ref cpu, Math.Clamp((total - lastCpu) / (wall * Cores), 0, 1));
        }

        (lastCpu, lastSample) = (total, now);
    }
}
