namespace MyOwnCluster.Execution.Js;

/// <summary>
/// A call's deadline on a context: at the deadline the deadline thread interrupts the script, and again every few
/// milliseconds until the call is over, since an interrupt that lands while no script runs (between the platform's
/// steps) is lost.
/// </summary>
internal sealed class JsDeadline : IDisposable
{
    private const int RetryMs = 10;
    private readonly JsContext context;
    private readonly object gate = new();
    private IDisposable armed;
    private bool disposed;
    private volatile bool expired;

    public JsDeadline(JsContext context, int timeoutMs)
    {
        this.context = context;
        armed = DeadlineThread.Shared.Arm(timeoutMs, Fire);
    }

    /// <summary>Whether the deadline passed (the call is then a timeout, whatever the script was doing).</summary>
    public bool Expired => expired;

    public void Dispose()
    {
        IDisposable last;
        lock (gate)
        {
            disposed = true;
            last = armed;
        }

        // Outside the lock: disposing waits for a running Fire, which takes the lock.
        last.Dispose();
    }

    private void Fire()
    {
        expired = true;
        context.Interrupt();
        lock (gate)
        {
            if (!disposed)
            {
                armed = DeadlineThread.Shared.Arm(RetryMs, Fire);
            }
        }
    }
}
