using System.Net;
using System.Text;
using MyOwnCluster.Tests.Cli;
using MyOwnCluster.Tests.Kvm;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>kvm-elf functions through the real server: the kind is transparent to the caller.</summary>
[Collection(ServerCollection.Name)]
public sealed class KvmFunctionTests(ServerFixture fixture, KvmGuests guests) : IClassFixture<KvmGuests>
{
    private readonly HttpClient client = fixture.Client;

    [KvmFact]
    public async Task A_native_guest_registers_calls_and_answers_a_plugged_route()
    {
        var registered = await client.RegisterAsync("kvm-upper", guests.Bytes("uppercase"), "application/x-elf");
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal("kvm-elf", (await registered.JsonAsync())["kind"]!.GetValue<string>());

        var call = await client.CallAsync(new { name = "kvm-upper", input = Convert.ToBase64String("shout"u8.ToArray()) });
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal("SHOUT", Encoding.UTF8.GetString(Convert.FromBase64String((await call.JsonAsync())["output"]!.GetValue<string>())));

        await client.PostJsonAsync("function/plug", new { method = "POST", path = "/kvm/upper", name = "kvm-upper" });
        var routed = await client.PostAsync("/kvm/upper", new StringContent("via https"));
        Assert.Equal("VIA HTTPS", await routed.Content.ReadAsStringAsync());
    }

    [KvmFact]
    public async Task Named_start_functions_take_integer_arguments()
    {
        await client.RegisterAsync("kvm-compute", guests.Bytes("compute"), "application/x-elf");
        var call = await client.CallAsync(new { name = "kvm-compute", start_function = "fib", arguments = new[] { 10 } });
        Assert.Equal(55, (await call.JsonAsync())["result"]!.GetValue<int>());
    }

    [KvmFact]
    public async Task Metrics_count_created_and_pooled_micro_vms()
    {
        await client.RegisterAsync("kvm-metrics", guests.Bytes("compute"), "application/x-elf");
        var call = await client.CallAsync(new { name = "kvm-metrics", start_function = "fib", arguments = new[] { 5 } });
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        // The VM that ran the call went back to the pool: at least one pooled, none running once every call returned.
        var text = await ObservabilityTests.ScrapeUntilAsync(client, @"moc_vms_pooled(\{[^}]*\})? [1-9]");
        Assert.Matches(@"moc_vms_created_total(\{[^}]*\})? [1-9]", text);
        Assert.Matches(@"moc_vms_running(\{[^}]*\})? [0-9]", text);
    }

    [KvmFact]
    public async Task A_faulting_guest_is_a_500_and_the_next_call_works()
    {
        await client.RegisterAsync("kvm-bad", guests.Bytes("bad"), "application/x-elf");
        var fault = await client.CallAsync(new { name = "kvm-bad", start_function = "do_ud2" });
        Assert.Equal(HttpStatusCode.InternalServerError, fault.StatusCode);
        Assert.Contains("#UD", await fault.MessageAsync());

        var ok = await client.CallAsync(new { name = "kvm-bad", start_function = "ok" });
        Assert.Equal(42, (await ok.JsonAsync())["result"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_invalid_elf_is_refused_and_nothing_is_stored()
    {
        var response = await client.RegisterAsync("kvm-garbage", "\u007fELF not really"u8.ToArray(), "application/x-elf");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("kvm-garbage", await (await client.GetAsync(Api.Prefix + "blobs")).Content.ReadAsStringAsync());
    }

    [KvmFact]
    public async Task Moc_kvm_check_reports_the_api_version_and_runs_a_test_guest()
    {
        var run = await CliRunner.RunWithEnvironmentAsync(null,
            "kvm-check", "--server", fixture.Server.BaseAddress.ToString(), "--data", fixture.Server.DataDirectory, "--token", ServerProcess.Token);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("KVM API version: 12", run.Stdout);
        Assert.Contains("test guest: ran, returned 42", run.Stdout);
    }
}
