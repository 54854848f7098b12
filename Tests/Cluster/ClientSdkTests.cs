using System.Net;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cluster;

public sealed class ClientSdkTests
{
    [Fact]
    public async Task The_client_sdk_sample_registers_lists_and_calls_through_orleans_and_broken_modules_are_refused()
    {
        await using var server = await ServerProcess.StartAsync();
        var (exitCode, output) = await ClientSdkSample.RunAsync("--localhost", "--gateway-port", server.GatewayPort.ToString(),
            "--certificate", Path.Combine(server.DataDirectory, "cluster", "client.pem"), "--name", "sdk");
        Assert.True(exitCode == 0, output);
        Assert.Contains("a broken module is refused: the module does not compile", output);
        Assert.Contains("sdk.add(20, 22) = 42", output);
        Assert.Contains("async sdk.add(40, 2) with buffer", output);
        Assert.Contains(": Done = 42 (1 attempt)", output);

        // What the SDK registered is the platform's state like any other: visible and callable over HTTPS.
        using var client = server.CreateClient();
        var call = await client.CallAsync(new { name = "sdk", start_function = "add", arguments = new[] { 1, 2 } });
        Assert.Equal(3, (await call.JsonAsync())["result"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "function/sdk-broken")).StatusCode);
    }

    [Fact]
    public async Task The_client_sdk_sample_refuses_unclear_arguments()
    {
        var (exitCode, output) = await ClientSdkSample.RunAsync("--postgres");
        Assert.Equal(2, exitCode);
        Assert.Contains("usage:", output);
    }
}
