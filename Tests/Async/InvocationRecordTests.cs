using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MyOwnCluster.Async;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using Orleans.Serialization;

namespace MyOwnCluster.Tests.Async;

/// <summary>The stored record leaves out what a new record holds, and rows of the earlier, complete form read back the same.</summary>
public sealed class InvocationRecordTests
{
    // A row as versions before the compact form wrote it: every field, defaults included.
    private const string Complete = """
        {"id":"01a24edee25c7720b691ec38a9168ee9","function":"add","start_function":"add","mode":"direct","arguments":[20,22],
         "input_status":200,"input_headers":{},"input":"","posix_arguments":[],"env":{},"state":"done",
         "accepted_at":"2026-12-07T04:59:19.5167862+00:00","finished_at":"2026-12-07T04:59:19.5239903+00:00",
         "attempts":[{"number":1,"silo":"127.0.0.1:19721@155624346","started_at":"2026-12-07T04:59:19.5167862+00:00","duration_ms":0.0732,"outcome":"ok"}],
         "result":42,"output":"","output_status":200,"output_headers":{},"finished":true}
        """;

    [Fact]
    public void A_complete_row_of_an_earlier_version_reads_back_and_is_written_without_its_defaults()
    {
        var old = InvocationRecord.Read(new StoredInvocation("01a24edee25c7720b691ec38a9168ee9", "s", true, 3, DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(Complete)));
        var bytes = old.ToBytes();
        var json = Encoding.UTF8.GetString(bytes);
        foreach (var left in new[] { "\"mode\"", "\"input_status\"", "\"input_headers\"", "\"input\"", "\"posix_arguments\"", "\"env\"", "\"finished\"" })
        {
            Assert.DoesNotContain(left, json);
        }

        Assert.True(bytes.Length < Encoding.UTF8.GetByteCount(Complete) - 100, json);
        // What a finished call answered stays, empty or not.
        Assert.Contains("\"output\":\"\"", json);
        Assert.Contains("\"output_status\":200", json);

        var again = InvocationRecord.Read(new StoredInvocation(old.Id, "s", true, 4, DateTimeOffset.UnixEpoch, bytes));
        Assert.Equal(Encoding.UTF8.GetString(old.ToBytes()), Encoding.UTF8.GetString(again.ToBytes()));
        Assert.Equal((InvocationMode.Direct, 200, "add", AsyncInvocationState.Done, 42L), (again.Mode, again.InputStatus, again.StartFunction, again.State, again.Result));
        Assert.Equal([20L, 22L], again.Arguments);
        Assert.Empty(again.Input);
        Assert.Equal([], again.Output!);
        Assert.Equal(200, again.ToStatus().Output!.StatusCode);
        Assert.Single(again.Attempts);
    }

    [Fact]
    public void A_pending_record_with_what_differs_from_the_defaults_keeps_all_of_it()
    {
        var request = new InvocationRequest("f", "_start", InvocationMode.Posix, [], new ExchangeBufferData(201, new Dictionary<string, string> { ["x"] = "y" }, [1, 2]))
        {
            PosixArguments = ["a"],
            Environment = new Dictionary<string, string> { ["K"] = "V" },
        };
        var record = InvocationRecord.From("0123456789abcdef0123456789abcdef", request, null, DateTimeOffset.UnixEpoch.AddDays(1));
        var back = InvocationRecord.Read(new StoredInvocation(record.Id, "s", false, 1, DateTimeOffset.UnixEpoch, record.ToBytes())).ToRequest();
        Assert.Equal(("_start", InvocationMode.Posix, 201, "y", "a", "V"),
            (back.StartFunction, back.Mode, back.Input.StatusCode, back.Input.Headers["x"], back.PosixArguments.Single(), back.Environment["K"]));
        Assert.Equal([1, 2], back.Input.Body);
        Assert.Equal(AsyncInvocationState.Pending, InvocationRecord.Read(new StoredInvocation(record.Id, "s", false, 1, DateTimeOffset.UnixEpoch, record.ToBytes())).State);
    }

    [Fact]
    public void A_record_this_version_cannot_read_fails_with_its_own_exception_naming_it_and_it_crosses_a_grain_call()
    {
        const string id = "01a24edee25c7720b691ec38a9168ee9";
        var damaged = new StoredInvocation(id, "s", false, 1, DateTimeOffset.UnixEpoch, "{\"id\": 12"u8.ToArray());

        var error = Assert.Throws<UnreadableInvocationException>(() => InvocationRecord.Read(damaged));

        Assert.Contains($"invocation '{id}' has a stored record this silo cannot read", error.Message);
        // An Orleans client asking for it gets the same exception and message, not a serializer's.
        using var services = new ServiceCollection()
            .AddSerializer(s => s.AddAssembly(typeof(UnreadableInvocationException).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var received = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(error));
        Assert.IsType<UnreadableInvocationException>(received);
        Assert.Equal(error.Message, received.Message);
    }
}
