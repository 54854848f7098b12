using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MyOwnCluster.Tests.Support;

/// <summary>Small helpers over the management API for tests.</summary>
public static class Api
{
    public const string Prefix = "/my-own-cluster/api/";

    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient client, string name, byte[] bytes, string contentType = "application/wasm") =>
        client.PostAsJsonAsync(Prefix + "blob/register", new { name, content_type = contentType, bytes = Convert.ToBase64String(bytes) });

    /// <summary>Registers a function granted platform <paramref name="capabilities"/> (register, plug, filters, ...).</summary>
    public static Task<HttpResponseMessage> RegisterGrantedAsync(
        this HttpClient client, string name, byte[] bytes, string contentType, params string[] capabilities) =>
        client.PostAsJsonAsync(Prefix + "blob/register",
            new { name, content_type = contentType, bytes = Convert.ToBase64String(bytes), capabilities });

    public static Task<HttpResponseMessage> CallAsync(this HttpClient client, object body) =>
        client.PostAsJsonAsync(Prefix + "function/call", body);

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string route, object body) =>
        client.PostAsJsonAsync(Prefix + route, body);

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new JsonException("empty body");

    public static async Task<string> MessageAsync(this HttpResponseMessage response) =>
        (await response.JsonAsync())["message"]?.GetValue<string>() ?? throw new JsonException("no message in error body");
}
