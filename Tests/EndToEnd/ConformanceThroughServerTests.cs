using System.Net;
using System.Text;
using MyOwnCluster.Tests.Support;
using MyOwnCluster.Tests.Wasi;
using Xunit.Abstractions;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>
/// The WASI test suite exactly as a user would run it: register each program, copy its fixture directory into the
/// function's file tree with the admin file API, call it in posix mode over HTTPS, compare exit code and stdout.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ConformanceThroughServerTests(ServerFixture fixture, ITestOutputHelper output)
{
    private readonly HttpClient client = fixture.Client;

    public static TheoryData<string> Programs() => WasiConformanceTests.Programs();

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Suite_program_passes_through_the_server(string program)
    {
        var failure = await RunAsync(program, "conformance-");
        Assert.True(failure is null, failure);
    }

    [Fact]
    public async Task Whole_suite_passes_through_the_server()
    {
        var programs = WasiConformanceTests.AllPrograms();
        var failures = new List<string>();
        foreach (var program in programs)
        {
            if (await RunAsync(program, "suite-run-") is { } failure)
            {
                failures.Add($"{program}: {failure}");
            }
        }

        output.WriteLine($"WASI conformance through the server: {programs.Count - failures.Count} passed, {failures.Count} failed");
        failures.ForEach(output.WriteLine);
        Assert.NotEmpty(programs);
        Assert.Empty(failures);
    }

    private async Task<string?> RunAsync(string program, string prefix)
    {
        var wasmPath = Path.Combine(WasiConformanceTests.SuiteDirectory, program);
        var spec = WasiConformanceTests.Spec.Load(Path.ChangeExtension(wasmPath, ".json"));
        var name = prefix + program.Replace('/', '-').Replace(".wasm", "", StringComparison.Ordinal);
        var registered = await client.RegisterAsync(name, await File.ReadAllBytesAsync(wasmPath));
        if (registered.StatusCode != HttpStatusCode.OK)
        {
            return "registration refused: " + await registered.MessageAsync();
        }

        if (spec.Root is not null)
        {
            var root = Path.Combine(Path.GetDirectoryName(wasmPath)!, spec.Root);
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                var relative = string.Join('/', Path.GetRelativePath(root, file).Split('/').Select(Uri.EscapeDataString));
                var put = await client.PutAsync($"{Api.Prefix}function/{name}/fs/{relative}", new ByteArrayContent(await File.ReadAllBytesAsync(file)));
                if (put.StatusCode != HttpStatusCode.OK)
                {
                    return $"fixture {relative} refused: {await put.MessageAsync()}";
                }
            }
        }

        var call = await client.CallAsync(new { name, mode = "posix", posix_arguments = spec.Args, env = spec.Env, program = Path.GetFileName(wasmPath) });
        if (call.StatusCode != HttpStatusCode.OK)
        {
            return $"HTTP {(int)call.StatusCode}: {await call.MessageAsync()}";
        }

        var body = await call.JsonAsync();
        var result = body["result"]!.GetValue<int>();
        var stdout = Encoding.UTF8.GetString(Convert.FromBase64String(body["output"]!.GetValue<string>()));
        if (result != spec.ExitCode)
        {
            return $"exit code {result}, expected {spec.ExitCode}; stdout: {stdout}";
        }

        return spec.Stdout is not null && stdout != spec.Stdout ? $"stdout '{stdout}', expected '{spec.Stdout}'" : null;
    }
}
