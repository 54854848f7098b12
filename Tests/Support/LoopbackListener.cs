using System.Net;

namespace MyOwnCluster.Tests.Support;

/// <summary>Plain-HTTP listeners on 127.0.0.1 for the tests' fake servers.</summary>
public static class LoopbackListener
{
    /// <summary>
    /// Starts a listener on a free loopback port, taking another port when the one picked is taken before the
    /// listener binds it: another test's server, or an outbound connection's local port, may take it in between.
    /// </summary>
    public static HttpListener Start(out int port)
    {
        for (var attempt = 1; ; attempt++)
        {
            port = ServerProcess.FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return listener;
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                // Closing a listener that never started looks its port up again, which may fail the same way.
                try
                {
                    listener.Close();
                }
                catch (HttpListenerException)
                {
                }
            }
        }
    }
}
