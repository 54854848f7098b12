using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Tests.Samples;

namespace MyOwnCluster.Tests.Components;

/// <summary>
/// A command component written in JavaScript and built with componentize-js (a SpiderMonkey embedding: about 12 MB,
/// a minute or more to build and to compile here). Runs only with MOC_SLOW_TESTS=1, to keep the suite short.
/// </summary>
public sealed class ComponentizeJsTests
{
    private const string World = """
        package local:command;
        world command {
          import wasi:cli/environment@0.2.12;
          import wasi:cli/stdout@0.2.12;
          export wasi:cli/run@0.2.12;
        }
        """;

    private const string App = """
        import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
        import { getStdout } from 'wasi:cli/stdout@0.2.12';
        export const run = {
          run() {
            const env = Object.fromEntries(getEnvironment());
            const line = `js args=${getArguments().slice(1).join(',')} greeting=${env.GREETING}\n`;
            getStdout().blockingWriteAndFlush(new TextEncoder().encode(line));
          }
        };
        """;

    [SlowComponentFact]
    public async Task A_componentize_js_command_gets_argv_and_env_and_writes_stdout()
    {
        var component = Build();
        using var engine = new WasmEngine([new WasiSnapshotPreview1Module()], Options.Create(new ExecutionOptions { CallTimeoutMs = 60_000 }), NullLogger<WasmEngine>.Instance);
        Assert.Null(engine.Validate(component).Error);
        var request = new InvocationRequest("js-command", "", InvocationMode.Posix, [], ExchangeBufferData.FromBody([]))
        {
            PosixArguments = ["one", "two"],
            Environment = new Dictionary<string, string> { ["GREETING"] = "salut" },
        };
        var techId = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(component));
        var result = await engine.InvokeAsync(new FunctionTarget("js-command", techId, () => ValueTask.FromResult(component)), request);
        Assert.True(result.Outcome == InvocationOutcome.Ok, result.Error);
        Assert.Equal(0, result.Result);
        Assert.Equal("js args=one,two greeting=salut\n", Encoding.UTF8.GetString(result.Output.Body));
    }

    private static byte[] Build()
    {
        var script = Path.Combine(SampleToolchain.RepositoryRoot, "Tests", "Components", "jco.sh");
        var directory = Directory.CreateTempSubdirectory("moc-componentize-js-").FullName;
        try
        {
            var wit = Path.Combine(directory, "wit");
            var jco = Run("bash", directory, script, "--root").Trim();
            foreach (var package in new[] { "cli", "clocks", "filesystem", "io", "random", "sockets" })
            {
                CopyDirectory(Path.Combine(jco, "lib", "wit", "builtin", "0.2.12", "wasi-" + package), Path.Combine(wit, "deps", package));
            }

            File.WriteAllText(Path.Combine(wit, "world.wit"), World);
            File.WriteAllText(Path.Combine(directory, "app.js"), App);
            Run("bash", directory, script, "--bin", "componentize-js", "--wit", "wit", "--world-name", "command", "-d", "http", "fetch-event", "-o", "app.wasm", "app.js");
            return File.ReadAllBytes(Path.Combine(directory, "app.wasm"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static string Run(string program, string workingDirectory, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', arguments)} failed: {stderr.Result}{stdout}");
        return stdout;
    }
}

/// <summary>A component fact that also needs MOC_SLOW_TESTS=1 (minutes of building and compiling).</summary>
public sealed class SlowComponentFactAttribute : FactAttribute
{
    public SlowComponentFactAttribute()
    {
        if (ComponentToolchain.Missing is { } missing)
        {
            Skip = "cannot build components here: " + missing;
        }
        else if (Environment.GetEnvironmentVariable("MOC_SLOW_TESTS") != "1")
        {
            Skip = "builds and compiles a 12 MB componentize-js component; set MOC_SLOW_TESTS=1 to run it";
        }
    }
}
