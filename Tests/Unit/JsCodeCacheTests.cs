using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Js;

namespace MyOwnCluster.Tests.Unit;

/// <summary>V8's code cache of a classic script is kept beside the compiled-wasm cache and survives a damaged file.</summary>
public sealed class JsCodeCacheTests : IDisposable
{
    private const string Script = "function main(a) { return a * 3; }";
    private readonly string root = Directory.CreateTempSubdirectory("moc-js-cache-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task The_code_cache_is_written_beside_the_wasm_cache_and_a_damaged_one_is_replaced()
    {
        var file = Path.Combine(root, "js", "abc123.v8cache");
        Assert.Equal(file, JsEngine.CacheFile(Path.Combine(root, "wasm"), "abc123"));
        Assert.Null(JsEngine.CacheFile(Path.Combine(root, "wasm"), "../escape"));

        Assert.Equal(21, await RunAsync());
        Assert.True(new FileInfo(file).Length > 0);

        await File.WriteAllBytesAsync(file, Encoding.UTF8.GetBytes("not a V8 code cache"));
        Assert.Equal(21, await RunAsync());
        Assert.False(File.Exists(file) && File.ReadAllText(file) == "not a V8 code cache");
    }

    /// <summary>A new engine each time, as a restarted silo: nothing in memory, only the file.</summary>
    private async Task<long> RunAsync()
    {
        var engine = new JsEngine(Options.Create(new ExecutionOptions { CompiledCacheDirectory = Path.Combine(root, "wasm") }), NullLogger<JsEngine>.Instance);
        var result = await engine.InvokeAsync(new FunctionTarget("f", "abc123", () => ValueTask.FromResult(Encoding.UTF8.GetBytes(Script))),
            new InvocationRequest("f", "main", InvocationMode.Direct, [7], ExchangeBufferData.Empty));
        Assert.Equal(InvocationOutcome.Ok, result.Outcome);
        return result.Result;
    }
}
