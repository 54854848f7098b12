namespace MyOwnCluster.Execution.Js;

/// <summary>
/// One blank isolate (V8 runtime and platform prelude, no function's code) kept ready on the silo, so that a function's
/// first call, or a call that needs one more isolate, adopts it instead of paying for a new one; the next is made in
/// the background. It exists from the first JavaScript call on: a silo without JavaScript pays nothing. One per process.
/// </summary>
internal sealed class JsSpareIsolate
{
    public static readonly JsSpareIsolate Shared = new();

    private readonly object sync = new();
    private Task<JsIsolate>? next;

    /// <summary>Starts making the blank isolate unless one is made or being made; completes when it is ready.</summary>
    public Task Prepare(ExecutionOptions limits)
    {
        lock (sync)
        {
            next ??= Task.Run(() => new JsIsolate(limits));
            return next;
        }
    }

    /// <summary>A blank isolate for <paramref name="limits"/>: the one made ahead when it fits, else a new one; either way the next is started.</summary>
    public JsIsolate Take(ExecutionOptions limits)
    {
        Task<JsIsolate>? ready;
        lock (sync)
        {
            ready = next;
            next = Task.Run(() => new JsIsolate(limits));
        }

        if (ready is not null)
        {
            try
            {
                // Waiting for one being made costs no more than making another.
                var isolate = ready.GetAwaiter().GetResult();
                if (isolate.Fits(limits))
                {
                    return isolate;
                }

                isolate.Dispose();
            }
            catch (Exception)
            {
                // Made under other conditions (or failed): this call makes its own below.
            }
        }

        return new JsIsolate(limits);
    }
}
