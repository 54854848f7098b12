using System.Diagnostics;
using System.Text;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Tests.Wasi;

/// <summary>Runs only where Debian's rustc with the wasm32 standard library (libstd-rust-dev-wasm32) is installed.</summary>
public sealed class DebianRustFactAttribute : FactAttribute
{
    public DebianRustFactAttribute()
    {
        if (!Directory.Exists(RustSampleTests.WasiStandardLibrary))
        {
            Skip = "Debian's rustc and libstd-rust-dev-wasm32 are not installed";
        }
    }
}

/// <summary>A Rust program built with Debian's rustc for wasm32-wasi during the test, in posix mode with durable files.</summary>
public sealed class RustSampleTests(WasiTestHost host) : IClassFixture<WasiTestHost>
{
    internal const string WasiStandardLibrary = "/usr/lib/rustlib/wasm32-wasi";

    private const string Source = """
        use std::io::{Read, Write};

        fn main() {
            let name = std::env::args().nth(1).unwrap_or_else(|| "nobody".into());
            let mut input = String::new();
            std::io::stdin().read_to_string(&mut input).unwrap();
            std::fs::create_dir_all("state").unwrap();
            let count: u32 = std::fs::read_to_string("state/count").ok().and_then(|s| s.parse().ok()).unwrap_or(0) + 1;
            std::fs::write("state/count", count.to_string()).unwrap();
            let mut words: Vec<String> = input.split_whitespace().map(|w| w.to_uppercase()).collect();
            words.sort();
            let mut out = std::io::stdout();
            writeln!(out, "rust greets {} (call {}): {}", name, count, words.join(",")).unwrap();
            if std::env::var("FAIL").is_ok() {
                std::process::exit(9);
            }
        }
        """;

    [DebianRustFact]
    public async Task A_rust_program_built_with_debian_rustc_runs_with_args_env_stdin_and_durable_files()
    {
        var wasm = Compile();

        var first = await host.RunPosixAsync("rust", wasm, ["moc"], stdin: "pear fig"u8.ToArray());
        var second = await host.RunPosixAsync("rust", wasm, ["moc"], new Dictionary<string, string> { ["FAIL"] = "1" }, "kiwi"u8.ToArray());

        Assert.True(first.Outcome == InvocationOutcome.Ok, first.Error + Encoding.UTF8.GetString(first.Stderr));
        Assert.Equal("rust greets moc (call 1): FIG,PEAR\n", Encoding.UTF8.GetString(first.Output.Body));
        Assert.Equal("rust greets moc (call 2): KIWI\n", Encoding.UTF8.GetString(second.Output.Body));
        Assert.Equal((0L, 9L), (first.Result, second.Result));
        Assert.Equal("2", Encoding.UTF8.GetString(((VfsFile)host.Tree("rust")!.Find("state/count")!).Content));
    }

    private static byte[] Compile()
    {
        var directory = Directory.CreateTempSubdirectory("moc-rust").FullName;
        try
        {
            var source = Path.Combine(directory, "main.rs");
            var output = Path.Combine(directory, "main.wasm");
            File.WriteAllText(source, Source);
            // Debian's rustc by its full path: a rustup toolchain earlier on PATH has no wasm32-wasi standard library.
            var start = new ProcessStartInfo("/usr/bin/rustc") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in (string[])["--target", "wasm32-wasi", "-O", "-C", "strip=debuginfo", "-o", output, source])
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "rustc failed: " + errors);
            return File.ReadAllBytes(output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
