using System.Diagnostics;
using System.Diagnostics.Metrics;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution;

/// <summary>
/// The platform's own telemetry: the <c>MyOwnCluster</c> meter (invocation counters and latency) and activity source
/// (one span per function execution), plus this silo's per-function statistics for the status API.
/// </summary>
public sealed class PlatformMetrics : IDisposable
{
    public const string Name = "MyOwnCluster";

    /// <summary>Spans per function execution; a no-op (null activities) unless a tracer listens.</summary>
    public static readonly ActivitySource Tracing = new(Name);

    private readonly Meter meter;
    private readonly Counter<long> invocations;
    private readonly Counter<long> errors;
    private readonly Histogram<double> duration;
    private long active;

    public PlatformMetrics(IMeterFactory? meterFactory = null, IEnumerable<IFunctionEngine>? engines = null, Backup.IStoreBackups? backups = null,
        Backup.IContinuousBackup? continuous = null)
    {
        meter = meterFactory?.Create(Name) ?? new Meter(Name);
        invocations = meter.CreateCounter<long>("moc.invocations", "{invocation}", "Function invocations that reached the invoker");
        errors = meter.CreateCounter<long>("moc.invocation.errors", "{invocation}", "Function invocations that did not end Ok");
        duration = meter.CreateHistogram<double>("moc.invocation.duration", "ms", "Wall time of one function invocation");
        // Observed at collection time from a plain counter: two aggregator updates per call saved on the hot path.
        meter.CreateObservableUpDownCounter("moc.invocations.active", () => Interlocked.Read(ref active), "{invocation}",
            "Invocations running on this silo now");
        meter.CreateObservableGauge("moc.functions.called", () => (long)Stats.Count, "{function}",
            "Distinct functions called on this silo since it started");
        meter.CreateObservableGauge("moc.buffers.live", () => CallTree.LiveBuffers, "{buffer}",
            "Exchange buffers held by the call trees running on this silo");
        if (engines is not null)
        {
            var byKind = engines.ToArray();
            meter.CreateObservableGauge("moc.versions.cached",
                () => byKind.Select(e => new Measurement<long>(e.CachedVersions, new KeyValuePair<string, object?>("engine", KindName(e.Kind)))),
                "{version}", "Function versions an engine keeps ready on this silo (compiled, parsed or snapshotted)");
        }

        // Every invocation runs in a fresh instance or VM: moc.invocations.active is also the number of live instances.
        if (engines?.OfType<Kvm.KvmEngine>().FirstOrDefault(k => k.IsAvailable) is { } kvm)
        {
            meter.CreateObservableGauge("moc.vms.running", () => (long)kvm.MachinesRunning, "{vm}", "KVM micro-VMs running a call now");
            meter.CreateObservableGauge("moc.vms.pooled", () => (long)kvm.MachinesPooled, "{vm}", "Clean KVM micro-VMs kept warm for the next call");
            meter.CreateObservableCounter("moc.vms.created", () => (long)kvm.MachinesCreated, "{vm}", "KVM micro-VMs created (pool misses)");
        }

        if (backups is not null)
        {
            // No measurement until the first backup exists: an age of "never" has no honest number.
            meter.CreateObservableGauge("moc.backup.age", () => BackupAge(backups), "s", "Seconds since the newest verified backup of the store");
        }

        if (continuous is not null)
        {
            meter.CreateObservableGauge("moc.backup.continuous.lag", () => continuous.Status.LagSeconds, "s",
                "Seconds the oldest committed write not yet in the continuous-backup directory has waited (0: all shipped)");
            meter.CreateObservableGauge("moc.backup.continuous.failing", () => continuous.Status.Error is null ? 0 : 1, "{state}",
                "1 while continuous backup cannot write to its directory");
        }
    }

    /// <summary>
    /// Per-silo execution gauges (tag <c>silo</c>): every silo this one knows the load of, as last reported
    /// (<see cref="Placement.ClusterInvoker"/> hands them in; they are read at collection time).
    /// </summary>
    public void ObserveSilos(Func<IReadOnlyList<SiloLoad>> loads)
    {
        meter.CreateObservableCounter("moc.silo.executions", () => Each(loads(), l => l.Executions), "{invocation}",
            "First calls each silo of the cluster has run since it started");
        meter.CreateObservableGauge("moc.silo.running", () => Each(loads(), l => l.Running), "{invocation}",
            "First calls running on each silo of the cluster");
        meter.CreateObservableGauge("moc.silo.queued", () => Each(loads(), l => l.Queued), "{invocation}",
            "Calls waiting for a core on each silo of the cluster");
        meter.CreateObservableGauge("moc.silo.cpu", () => loads().Select(l => new Measurement<double>(l.Cpu, new KeyValuePair<string, object?>("silo", l.Silo))),
            "1", "CPU use of each silo over its last second, 0 to 1 of all its cores");
    }

    /// <summary>Bytes of placed calls' bodies streamed between this silo and others (<see cref="Placement.BodyTransfers"/>), by direction.</summary>
    public void ObserveStreamedBodies(Func<long> sent, Func<long> received) =>
        meter.CreateObservableCounter("moc.bodies.streamed",
            () => new[]
            {
                new Measurement<long>(sent(), new KeyValuePair<string, object?>("direction", "sent")),
                new Measurement<long>(received(), new KeyValuePair<string, object?>("direction", "received")),
            },
            "By", "Bytes of placed calls' inputs and outputs streamed in chunks between this silo and others");

    private static IEnumerable<Measurement<long>> Each(IReadOnlyList<SiloLoad> loads, Func<SiloLoad, long> value) =>
        loads.Select(l => new Measurement<long>(value(l), new KeyValuePair<string, object?>("silo", l.Silo)));

    private static IEnumerable<Measurement<double>> BackupAge(Backup.IStoreBackups backups)
    {
        var newest = backups.List();
        return newest.Count == 0 ? [] : [new Measurement<double>(Math.Round((DateTimeOffset.UtcNow - newest[0].CreatedAt).TotalSeconds, 1))];
    }

    /// <summary>When this silo started counting (process start, near enough).</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public FunctionStats Stats { get; } = new();

    /// <summary>The recent guest log lines of every function on this silo.</summary>
    public FunctionLogs Logs => FunctionLogs.Shared;

    /// <summary>Marks an invocation as running; pair with <see cref="Record"/>.</summary>
    public void Started() => Interlocked.Increment(ref active);

    /// <summary>Counts one finished invocation. Allocation-free apart from the tag list on the stack.</summary>
    public void Record(string function, FunctionKind? kind, InvocationMode mode, InvocationOutcome outcome, TimeSpan elapsed, bool countInStats)
    {
        Interlocked.Decrement(ref active);
        var milliseconds = elapsed.TotalMilliseconds;
        var tags = new TagList
        {
            { "function", function },
            { "kind", KindName(kind) },
            { "mode", ModeName(mode) },
            { "outcome", OutcomeName(outcome) },
        };
        invocations.Add(1, tags);
        if (outcome != InvocationOutcome.Ok)
        {
            errors.Add(1, tags);
        }

        duration.Record(milliseconds, tags);
        if (countInStats)
        {
            Stats.Record(function, outcome == InvocationOutcome.Ok, milliseconds);
        }
    }

    public void Dispose() => meter.Dispose();

    // Constant strings per enum value: Enum.ToString would allocate on every call.
    public static string KindName(FunctionKind? kind) => kind switch
    {
        FunctionKind.Wasm => "wasm",
        FunctionKind.KvmElf => "kvm-elf",
        FunctionKind.File => "file",
        FunctionKind.Js => "js",
        FunctionKind.GpuCompute => "gpu-compute",
        null => "unknown",
        _ => "other",
    };

    public static string ModeName(InvocationMode mode) => mode switch
    {
        InvocationMode.Direct => "direct",
        InvocationMode.Posix => "posix",
        _ => "other",
    };

    public static string OutcomeName(InvocationOutcome outcome) => outcome switch
    {
        InvocationOutcome.Ok => "ok",
        InvocationOutcome.BadRequest => "bad-request",
        InvocationOutcome.NotFound => "not-found",
        InvocationOutcome.GuestError => "guest-error",
        InvocationOutcome.Timeout => "timeout",
        InvocationOutcome.OutOfMemory => "out-of-memory",
        InvocationOutcome.Unavailable => "unavailable",
        InvocationOutcome.Busy => "busy",
        _ => "other",
    };
}
