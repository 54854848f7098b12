using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using MyOwnCluster.Tests.EndToEnd;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Async;

/// <summary>A server whose calls may hold at most 64 KiB per buffer: buffer grains are how larger data goes through.</summary>
public sealed class SmallBufferServerFixture : IAsyncLifetime
{
    public const int MaxBufferBytes = 65536;

    public ServerProcess Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartAsync(environment: new Dictionary<string, string>
        {
            ["Limits__MaxBufferBytes"] = MaxBufferBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Limits__CallTimeoutMs"] = "120000",
        });
        Client = Server.CreateClient();
        foreach (var (name, wat) in new[] { ("bg", BufferGrainWat.Guest), ("bg-echo", AsyncWat.Worker), ("bg-reduce", BufferGrainWat.ReduceOverBuffers) })
        {
            using var registered = await Client.RegisterAsync(name, Wat.ToWasm(wat));
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>Guests open buffer grains by id (wasm and JavaScript), pass them by reference, and map-reduce keeps its intermediate data in them.</summary>
public sealed class GuestBufferGrainTests(SmallBufferServerFixture fixture) : IClassFixture<SmallBufferServerFixture>
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task A_wasm_guest_creates_appends_and_reads_in_pieces_a_buffer_grain_larger_than_a_call_may_hold()
    {
        var piece = RandomNumberGenerator.GetBytes(1000);
        var made = await CallAsync("make", piece);
        Assert.Equal(3000, made.Result);
        Assert.Equal(piece.Concat(piece).Concat(piece).ToArray(), await BodyAsync(Encoding.ASCII.GetString(made.Output)));

        // Appended in three requests: four stored chunks (the REST append cuts at 1 MiB), pieces of 1000 bytes span them.
        var parts = new[] { RandomNumberGenerator.GetBytes(70_500), RandomNumberGenerator.GetBytes(1024 * 1024 + 5), RandomNumberGenerator.GetBytes(12_345) };
        var large = parts.SelectMany(p => p).ToArray();
        var id = await CreateAsync(parts);
        Assert.Equal(4, (await (await client.GetAsync($"{Api.Prefix}buffer/{id}")).JsonAsync())["chunks"]!.GetValue<int>());
        var sum = await CallAsync("sum", Encoding.ASCII.GetBytes(id));
        Assert.Equal(large.Sum(b => (long)b), sum.Result);
        Assert.Equal(large.Length, BinaryPrimitives.ReadInt64LittleEndian(sum.Output));

        using var saved = await client.CallAsync(new
        {
            name = "bg", start_function = "save", input = Convert.ToBase64String("kept"u8.ToArray()),
            input_headers = new Dictionary<string, string> { ["x-kind"] = "saved" },
        });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var savedId = Encoding.ASCII.GetString(Convert.FromBase64String((await saved.JsonAsync())["output"]!.GetValue<string>()));
        var info = await (await client.GetAsync($"{Api.Prefix}buffer/{savedId}")).JsonAsync();
        Assert.True(info["durable"]!.GetValue<bool>());
        Assert.Equal("saved", info["headers"]!["x-kind"]!.GetValue<string>());
        Assert.Equal("kept"u8.ToArray(), await BodyAsync(savedId));
    }

    [Fact]
    public async Task Bad_ids_offsets_lengths_and_pointers_are_errors_and_leave_the_buffer_as_it_was()
    {
        var bytes = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var id = await CreateAsync(bytes);
        var probe = await CallAsync("probe", Encoding.ASCII.GetBytes(id));
        var answers = Enumerable.Range(0, probe.Output.Length / 4).Select(i => BinaryPrimitives.ReadInt32LittleEndian(probe.Output.AsSpan(i * 4))).ToArray();
        // bad id, unknown id, negative offset, read past the per-call cap, offset past the end, length, unknown length,
        // append/delete unknown, loaded range size, create from an unknown buffer, bad ttl, 3 bytes from offset 1.
        Assert.Equal([-1, -1, -1, -1, 0, 100, -1, -1, -1, 16, -1, -1, 3, 1 | 2 << 8 | 3 << 16], answers);

        using var trapped = await client.CallAsync(new { name = "bg", start_function = "trap", input = Convert.ToBase64String(Encoding.ASCII.GetBytes(id)) });
        Assert.Equal(HttpStatusCode.InternalServerError, trapped.StatusCode);
        Assert.Contains("read_buffer_grain", await trapped.MessageAsync());

        Assert.Equal(bytes, await BodyAsync(id));
        Assert.Contains("is not a buffer grain id", fixture.Server.Log);
        Assert.Contains("exceeds the 65536 byte cap", fixture.Server.Log);
    }

    [Fact]
    public async Task A_buffer_grain_is_passed_by_reference_to_call_function_and_call_function_async()
    {
        var bytes = RandomNumberGenerator.GetBytes(5000);
        var id = await CreateAsync(bytes);
        var forwarded = await CallAsync("forward", Encoding.ASCII.GetBytes(id));
        Assert.Equal(5000, forwarded.Result);
        Assert.Equal(bytes, forwarded.Output);

        var awaited = await CallAsync("forward_async", Encoding.ASCII.GetBytes(id));
        Assert.Equal(0, awaited.Result);
        Assert.Equal(bytes, awaited.Output);

        var tooLarge = await CreateAsync(new byte[SmallBufferServerFixture.MaxBufferBytes + 1]);
        Assert.Equal(-1, (await CallAsync("forward", Encoding.ASCII.GetBytes(tooLarge))).Result);
        Assert.Equal(-1, (await CallAsync("forward", "0123456789abcdef0123456789abcdef"u8.ToArray())).Result);
    }

    [Fact]
    public async Task A_javascript_guest_creates_reads_and_passes_a_buffer_grain()
    {
        const string script = """
            const core = requireApi('core');
            function main() {
              const id = core.create_buffer_grain();
              core.append_buffer_grain(id, 'hello ');
              core.append_buffer_grain(id, 'buffer grains');
              const part = core.read_buffer_grain(id, 6, 6);
              const bad = core.read_buffer_grain('nope', 0, 1);
              const tooLong = core.read_buffer_grain(id, 0, 65537);
              const text = String.fromCharCode(...part);
              core.write_exchange_buffer(core.get_output_buffer_id(),
                [id, text, core.buffer_grain_length(id), bad === null, tooLong === null].join(':'));
              return core.call_function('bg-echo', 'echo', [], 'direct', id, 0);
            }
            """;
        using var registered = await client.RegisterAsync("bg-js", Encoding.UTF8.GetBytes(script), "text/javascript");
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        using var call = await client.CallAsync(new { name = "bg-js", start_function = "main" });
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        var json = await call.JsonAsync();
        Assert.Equal(19, json["result"]!.GetValue<long>());
        var parts = Encoding.UTF8.GetString(Convert.FromBase64String(json["output"]!.GetValue<string>())).Split(':');
        Assert.Equal(["buffer", "19", "true", "true"], parts[1..]);
        Assert.Equal("hello buffer grains"u8.ToArray(), await BodyAsync(parts[0]));
    }

    [Fact]
    public async Task Map_reduce_with_buffers_moves_intermediate_data_far_larger_than_a_call_may_hold_through_buffer_grains()
    {
        var inputs = Enumerable.Range(0, 12).Select(_ => RandomNumberGenerator.GetBytes(60_000)).ToArray();
        var ids = new List<string>();
        foreach (var input in inputs)
        {
            ids.Add(await CreateAsync(input));
        }

        using var response = await client.PostJsonAsync("function/map-reduce", new
        {
            map = "bg-echo", map_start_function = "echo", reduce = "bg-reduce", input_buffers = ids, buffers = true, parallelism = 4,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.JsonAsync();
        Assert.Equal(0, result["failed"]!.GetValue<int>());
        Assert.All(result["maps"]!.AsArray(), m =>
        {
            Assert.Equal(60_000, m!["output_length"]!.GetValue<long>());
            Assert.Equal("", m["output"]!.GetValue<string>());
        });

        var total = inputs.Sum(i => i.Length);
        Assert.True(total > 10 * SmallBufferServerFixture.MaxBufferBytes);
        var reduce = result["reduce"]!;
        Assert.Equal("ok", reduce["outcome"]!.GetValue<string>());
        var expected = inputs.Sum(i => i.Sum(b => (long)b));
        Assert.Equal(expected, reduce["result"]!.GetValue<long>());
        var output = Convert.FromBase64String(reduce["output"]!.GetValue<string>());
        Assert.Equal(12 * 32 + 8, output.Length);
        Assert.Equal(total, BinaryPrimitives.ReadInt32LittleEndian(output.AsSpan(12 * 32)));

        // The intermediate buffers are gone once the plan ended; the inputs are the caller's and stay.
        for (var i = 0; i < 12; i++)
        {
            var intermediate = Encoding.ASCII.GetString(output, i * 32, 32);
            Assert.DoesNotContain(intermediate, ids);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Api.Prefix}buffer/{intermediate}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{Api.Prefix}buffer/{ids[i]}")).StatusCode);
        }

        var cli = await ExportImportTests.Moc(fixture.Server,
            ["map-reduce", "bg-echo", "bg-reduce", "--map-start", "echo", "--buffers", .. ids.Take(3).SelectMany(id => new[] { "--input-buffer", id })]);
        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Contains("map: 3 calls, 0 failed", cli.Stdout);
        Assert.Equal(inputs.Take(3).Sum(i => i.Length), BinaryPrimitives.ReadInt32LittleEndian(cli.RawStdout.AsSpan(cli.RawStdout.Length - 8)));

        using var bad = await client.PostJsonAsync("function/map-reduce", new { map = "bg-echo", reduce = "bg-reduce", input_buffers = new[] { "zz" }, buffers = true });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("input_buffers[0]", await bad.MessageAsync());
    }

    private async Task<(long Result, byte[] Output)> CallAsync(string start, byte[] input)
    {
        using var response = await client.CallAsync(new { name = "bg", start_function = start, input = Convert.ToBase64String(input) });
        var json = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToJsonString());
        return (json["result"]!.GetValue<long>(), Convert.FromBase64String(json["output"]!.GetValue<string>()));
    }

    private async Task<string> CreateAsync(params byte[][] appends)
    {
        using var created = await client.PostJsonAsync("buffer", new { });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = (await created.JsonAsync())["buffer"]!.GetValue<string>();
        foreach (var body in appends)
        {
            using var appended = await client.PostAsync($"{Api.Prefix}buffer/{id}/append", new ByteArrayContent(body));
            Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
        }

        return id;
    }

    private async Task<byte[]> BodyAsync(string id)
    {
        using var response = await client.GetAsync($"{Api.Prefix}buffer/{id}/body");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
