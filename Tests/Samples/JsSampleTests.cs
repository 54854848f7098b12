using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Js;

namespace MyOwnCluster.Tests.Samples;

/// <summary>The Samples/js scripts parse and answer what the README and run-samples.sh say they answer.</summary>
public sealed class JsSampleTests
{
    private readonly JsEngine engine = new(Options.Create(new ExecutionOptions()), NullLogger<JsEngine>.Instance);

    [Theory]
    [InlineData("hello.js", "", "Hello from JavaScript", 0)]
    [InlineData("uppercase.js", "make me loud", "MAKE ME LOUD", 12)]
    public async Task A_js_sample_answers_as_documented(string file, string input, string output, long result)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(SampleToolchain.RepositoryRoot, "Samples", "js", file));
        Assert.Null(engine.Validate(bytes).ErrorGiven(_ => false));
        var answer = await engine.InvokeAsync(
            new FunctionTarget(file, file, () => ValueTask.FromResult(bytes)),
            new InvocationRequest(file, "_start", InvocationMode.Direct, [], ExchangeBufferData.FromBody(Encoding.UTF8.GetBytes(input))));
        Assert.Equal(InvocationOutcome.Ok, answer.Outcome);
        Assert.Equal(result, answer.Result);
        Assert.Equal(output, Encoding.UTF8.GetString(answer.Output.Body));
    }

    [Fact]
    public void Every_js_sample_parses()
    {
        foreach (var script in Directory.GetFiles(Path.Combine(SampleToolchain.RepositoryRoot, "Samples", "js"), "*.js"))
        {
            Assert.Null(engine.Validate(File.ReadAllBytes(script)).ErrorGiven(_ => false));
        }
    }
}
