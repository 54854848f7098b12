using System.Net;
using System.Text;

namespace MyOwnCluster.Tests.Support;

/// <summary>
/// A plain-HTTP server on 127.0.0.1 for egress tests: <c>/hello</c> (text + <c>X-Test</c>), <c>/teapot</c> (418),
/// <c>/echo</c> (method, <c>x-probe</c> header and body), <c>/redirect?to=URL</c> (302), <c>/loop</c> (redirects to itself), <c>/slow?ms=N</c>, <c>/big?bytes=N</c>.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener listener;
    private readonly Task serving;
    private int hits;

    public LocalHttpServer()
    {
        listener = LoopbackListener.Start(out var port);
        Port = port;
        serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>Requests answered so far: proves a refused request never left the silo.</summary>
    public int Hits => Volatile.Read(ref hits);

    public string Url(string pathAndQuery) => $"http://127.0.0.1:{Port}{pathAndQuery}";

    public void Dispose()
    {
        // Close alone: on Linux, Stop then Close removes the listener's endpoint twice, and the second removal binds
        // the port again to find it, failing with "Address already in use" once another process holds it.
        listener.Close();
        serving.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Interlocked.Increment(ref hits);
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private static async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        byte[] body;
        switch (request.Url!.AbsolutePath)
        {
            case "/hello":
                response.ContentType = "text/plain";
                response.Headers["X-Test"] = "Yes";
                body = "hello from the test server"u8.ToArray();
                break;
            case "/teapot":
                response.StatusCode = 418;
                body = "short and stout"u8.ToArray();
                break;
            case "/echo":
                using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
                {
                    body = Encoding.UTF8.GetBytes($"{request.HttpMethod} {request.Headers["x-probe"]} {await reader.ReadToEndAsync()}");
                }

                break;
            case "/redirect":
                response.StatusCode = 302;
                response.RedirectLocation = request.QueryString["to"];
                body = [];
                break;
            case "/loop":
                response.StatusCode = 302;
                response.RedirectLocation = "/loop";
                body = [];
                break;
            case "/slow":
                await Task.Delay(int.Parse(request.QueryString["ms"] ?? "3000"));
                body = "late"u8.ToArray();
                break;
            case "/big":
                body = new byte[int.Parse(request.QueryString["bytes"] ?? "1048576")];
                Array.Fill(body, (byte)'x');
                break;
            default:
                response.StatusCode = 404;
                body = "no such test route"u8.ToArray();
                break;
        }

        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
        response.Close();
    }
}
