using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Kvm;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>A fact that runs when /dev/kvm works here and is skipped, with the reason, when it does not.</summary>
public sealed class KvmFactAttribute : FactAttribute
{
    public KvmFactAttribute()
    {
        if (!KvmGuests.Probe.Available)
        {
            Skip = KvmGuests.Probe.Message;
        }
    }
}

/// <summary>Theory counterpart of <see cref="KvmFactAttribute"/>.</summary>
public sealed class KvmTheoryAttribute : TheoryAttribute
{
    public KvmTheoryAttribute()
    {
        if (!KvmGuests.Probe.Available)
        {
            Skip = KvmGuests.Probe.Message;
        }
    }
}

/// <summary>Builds Samples/kvm with its own build.sh (gcc) once per test run, and makes engines and targets from the ELFs.</summary>
public sealed class KvmGuests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "moc-kvm-" + Guid.NewGuid().ToString("N"));

    public KvmGuests()
    {
        var script = Path.Combine(RepositoryRoot(), "Samples", "kvm", "build.sh");
        var build = Process.Start(new ProcessStartInfo("/bin/sh", [script, directory])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var errors = build.StandardError.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"Samples/kvm/build.sh failed: {errors}");
        }
    }

    public static KvmProbeResult Probe { get; } = KvmEngine.Probe();

    /// <summary>How many times each target's bytes were fetched (a warm pool fetches once).</summary>
    public Dictionary<string, int> Loads { get; } = [];

    public byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(directory, name + ".elf"));

    public static KvmEngine Engine(int timeoutMs = 5000, int maxHypercalls = 1000) =>
        new(Options.Create(new ExecutionOptions { CallTimeoutMs = timeoutMs, KvmMaxHypercalls = maxHypercalls }), NullLogger<KvmEngine>.Instance);

    public FunctionTarget Target(string name)
    {
        var bytes = Bytes(name);
        return new FunctionTarget(name, $"{name}-{bytes.Length}", () =>
        {
            lock (Loads)
            {
                Loads[name] = Loads.GetValueOrDefault(name) + 1;
            }

            return ValueTask.FromResult(bytes);
        });
    }

    public Task<InvocationResult> Call(KvmEngine engine, string name, string start = "", long[]? arguments = null, string input = "") =>
        engine.InvokeAsync(Target(name), Request(name, start, arguments, input));

    public static InvocationRequest Request(string name, string start = "", long[]? arguments = null, string input = "") =>
        new(name, start, InvocationMode.Direct, arguments ?? [], ExchangeBufferData.FromBody(System.Text.Encoding.UTF8.GetBytes(input)));

    public void Dispose() => Directory.Delete(directory, recursive: true);

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MyOwnCluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (MyOwnCluster.sln) above " + AppContext.BaseDirectory);
    }
}
