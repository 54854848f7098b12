using System.Text;
using Wasmtime;

namespace MyOwnCluster.Tests.Samples;

public sealed class SampleBuildTests(SampleBuildFixture build) : IClassFixture<SampleBuildFixture>
{
    // Every name of the founding module (GUEST-API.md); the samples may import nothing else.
    private static readonly HashSet<string> MyOwnClusterFunctions =
    [
        "test", "print_debug", "register_buffer", "get_buffer_size", "get_buffer", "write_buffer", "write_buffer_header",
        "free_buffer", "get_input_buffer_id", "get_output_buffer_id", "get_url",
    ];

    [SampleToolchainTheory]
    [InlineData("hello", "_start")]
    [InlineData("echo", "_start")]
    [InlineData("add", "add")]
    [InlineData("uppercase", "_start")]
    [InlineData("greet", "_start")]
    public void Sample_compiles_and_imports_only_from_my_own_cluster(string sample, string export)
    {
        Assert.True(build.BuildExitCode == 0, $"Samples/build.sh failed:\n{build.BuildLog}");
        using var engine = new Engine();

        using var module = Module.FromFile(engine, Path.Combine(build.OutputDirectory, sample + ".wasm"));

        Assert.All(module.Imports, i => Assert.Equal("my-own-cluster", i.ModuleName));
        Assert.All(module.Imports, i => Assert.Contains(i.Name, MyOwnClusterFunctions));
        Assert.Contains(export, module.Exports.Select(e => e.Name));
    }

    [SampleToolchainFact]
    public void Build_writes_exactly_the_wat_and_c_samples()
    {
        Assert.True(build.BuildExitCode == 0, $"Samples/build.sh failed:\n{build.BuildLog}");
        var samplesDirectory = Path.Combine(SampleToolchain.RepositoryRoot, "Samples");
        var expected = Directory.GetFiles(Path.Combine(samplesDirectory, "wat"), "*.wat")
            .Concat(Directory.GetFiles(Path.Combine(samplesDirectory, "c"), "*.c"))
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal);

        var built = Directory.GetFiles(build.OutputDirectory, "*.wasm").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);

        Assert.Equal(expected, built);
    }

    [SampleToolchainTheory]
    [InlineData("hello", "", "Hello from WebAssembly", "text/plain")]
    [InlineData("echo", "ping pong", "ping pong", null)]
    [InlineData("uppercase", "make me loud, ok?", "MAKE ME LOUD, OK?", "text/plain; charset=utf-8")]
    [InlineData("greet", "Ada", "Hello, Ada!", "text/plain; charset=utf-8")]
    [InlineData("greet", "", "Hello, world!", "text/plain; charset=utf-8")]
    public void Sample_writes_the_expected_output(string sample, string input, string output, string? contentType)
    {
        Assert.True(build.BuildExitCode == 0, $"Samples/build.sh failed:\n{build.BuildLog}");

        using var host = SampleHost.Run(Path.Combine(build.OutputDirectory, sample + ".wasm"), "_start", input, out var result);

        Assert.Equal(0, result);
        Assert.Equal(output, Encoding.UTF8.GetString(host.Output.ToArray()));
        Assert.Equal(contentType, host.OutputHeaders.GetValueOrDefault("content-type"));
    }

    [SampleToolchainFact]
    public void Add_returns_the_sum_in_direct_mode()
    {
        Assert.True(build.BuildExitCode == 0, $"Samples/build.sh failed:\n{build.BuildLog}");
        using var engine = new Engine();
        using var module = Module.FromFile(engine, Path.Combine(build.OutputDirectory, "add.wasm"));
        using var linker = new Linker(engine);
        using var store = new Store(engine);

        var add = linker.Instantiate(store, module).GetFunction<int, int, int>("add")!;

        Assert.Equal(42, add(40, 2));
        Assert.Equal(-1, add(2, -3));
    }
}
