using System.Net;
using System.Security.Cryptography;
using System.Text;
using MyOwnCluster.Tests.EndToEnd;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Async;

[Collection(ServerCollection.Name)]
public sealed class BufferGrainTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task A_buffer_takes_a_body_of_several_chunks_gives_it_back_whole_and_is_gone_once_deleted()
    {
        var id = await CreateAsync(new { status = 201, headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-test" }, durable = true });
        var first = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var second = RandomNumberGenerator.GetBytes(1000);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"{Api.Prefix}buffer/{id}/append", new ByteArrayContent(first))).StatusCode);
        using var appended = await client.PostAsync($"{Api.Prefix}buffer/{id}/append", new ByteArrayContent(second));
        Assert.Equal(first.Length + second.Length, (await appended.JsonAsync())["length"]!.GetValue<long>());

        var info = await (await client.GetAsync($"{Api.Prefix}buffer/{id}")).JsonAsync();
        Assert.Equal(first.Length + second.Length, info["length"]!.GetValue<long>());
        Assert.Equal(5, info["chunks"]!.GetValue<int>());
        Assert.Equal(201, info["status"]!.GetValue<int>());
        Assert.True(info["durable"]!.GetValue<bool>());
        Assert.Null(info["expires_at"]);

        using var body = await client.GetAsync($"{Api.Prefix}buffer/{id}/body");
        Assert.Equal("application/x-test", body.Content.Headers.ContentType!.MediaType);
        var read = await body.Content.ReadAsByteArrayAsync();
        Assert.Equal(first.Concat(second).ToArray(), read);

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"{Api.Prefix}buffer/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Api.Prefix}buffer/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Api.Prefix}buffer/{id}/body")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"{Api.Prefix}buffer/{id}/append", new ByteArrayContent([1]))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"{Api.Prefix}buffer/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Api.Prefix}buffer/not-an-id")).StatusCode);
    }

    [Fact]
    public async Task A_buffer_id_is_a_calls_input_for_call_and_call_async_and_an_unknown_one_is_404()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("buffer-echo", Wat.ToWasm(AsyncWat.Worker))).StatusCode);
        var id = await CreateAsync(new { });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"{Api.Prefix}buffer/{id}/append", new ByteArrayContent("by reference"u8.ToArray()))).StatusCode);

        using var call = await client.CallAsync(new { name = "buffer-echo", start_function = "echo", input_buffer = id });
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal("by reference", Encoding.UTF8.GetString(Convert.FromBase64String((await call.JsonAsync())["output"]!.GetValue<string>())));

        var invocation = await client.SubmitAsync(new { name = "buffer-echo", start_function = "echo", input_buffer = id });
        var ended = await client.EndedAsync(invocation);
        Assert.Equal("done", ended["state"]!.GetValue<string>());
        Assert.Equal("by reference", Encoding.UTF8.GetString(Convert.FromBase64String(ended["output"]!.GetValue<string>())));

        using var both = await client.CallAsync(new { name = "buffer-echo", start_function = "echo", input_buffer = id, input = "eA==" });
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        using var unknown = await client.CallAsync(new { name = "buffer-echo", start_function = "echo", input_buffer = "0123456789abcdef0123456789abcdef" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no buffer", await unknown.MessageAsync());
    }

    [Fact]
    public async Task An_ephemeral_buffer_is_gone_after_its_time_to_live_and_bad_settings_are_refused()
    {
        var id = await CreateAsync(new { ttl_seconds = 1 });
        var info = await (await client.GetAsync($"{Api.Prefix}buffer/{id}")).JsonAsync();
        Assert.False(info["durable"]!.GetValue<bool>());
        Assert.NotNull(info["expires_at"]);
        await Task.Delay(1500);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Api.Prefix}buffer/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("buffer", new { ttl_seconds = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("buffer", new { status = 42 })).StatusCode);
    }

    private async Task<string> CreateAsync(object body)
    {
        using var response = await client.PostJsonAsync("buffer", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync())["buffer"]!.GetValue<string>();
    }
}
