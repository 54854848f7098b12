using System.Text;
using Microsoft.Extensions.Options;
using MyOwnCluster.Egress;
using MyOwnCluster.Execution;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>The get_url hypercall goes through the same egress policy as the wasm guest API.</summary>
public sealed class KvmEgressTests(KvmGuests guests) : IClassFixture<KvmGuests>, IDisposable
{
    private readonly LocalHttpServer server = new();
    private readonly Execution.Kvm.KvmEngine engine = KvmGuests.Engine();
    private readonly EgressClient egress = new(Options.Create(new EgressOptions { AllowedCidrs = ["127.0.0.1/32"] }));

    public void Dispose()
    {
        engine.Dispose();
        egress.Dispose();
        server.Dispose();
    }

    [KvmFact]
    public async Task A_native_guest_fetches_an_allowed_url_and_gets_0_for_a_refused_one()
    {
        var allowed = await FetchAsync(server.Url("/hello"));
        var refused = await FetchAsync("http://169.254.169.254/latest/meta-data/");

        Assert.Equal(InvocationOutcome.Ok, allowed.Outcome);
        Assert.NotEqual(0, allowed.Result);
        Assert.Equal("hello from the test server", Encoding.UTF8.GetString(allowed.Output.Body));
        Assert.Equal(InvocationOutcome.Ok, refused.Outcome);
        Assert.Equal(0, refused.Result);
        Assert.Equal(1, server.Hits);
    }

    private Task<InvocationResult> FetchAsync(string url) =>
        engine.InvokeAsync(guests.Target("fetch") with { Egress = egress }, KvmGuests.Request("fetch", input: url));
}
