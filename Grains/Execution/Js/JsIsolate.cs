using Microsoft.ClearScript;
using Microsoft.ClearScript.V8;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// One V8 isolate of one function (never shared with another function's code) with the function's script compiled
/// in it and, for handler modules, a pooled context that stays loaded between calls. Limits are the isolate's: a
/// soft heap cap that interrupts the script, a hard one above it as the last resort, and a stack cap.
/// </summary>
internal sealed class JsIsolate : IDisposable
{
    private static readonly DocumentInfo Document = new(JsEngine.SourceName);
    private static readonly DocumentInfo PreludeDocument = new(JsPrelude.SourceName);
    private readonly V8Runtime runtime;
    private readonly V8Script prelude;
    private V8Script? script;
    private JsFunction? function;
    private const long V8WorkingSpaceBytes = 16L * 1024 * 1024;
    private readonly long capBytes;
    private IReadOnlyList<IJsApiExtension> extensions = [];
    private JsContext? pooled;

    /// <summary>
    /// A context made with the isolate (prelude run, the web API installed), for its first call if the function is a
    /// handler module: made ahead, off that call's clock. A classic script's isolate drops it (no web API there).
    /// </summary>
    private JsContext? ready;

    /// <summary>A blank isolate: the platform prelude compiled, no function's code yet (<see cref="Adopt"/> gives it one).</summary>
    public JsIsolate(ExecutionOptions limits)
    {
        capBytes = limits.MemoryBytes;
        StackBytes = JsLimits.StackBytes(limits);
        // The hard limit is V8's own, reached only by one native step the soft limit's monitor cannot stop (reaching
        // it ends the process): room for V8's largest single allocations, which then fail with a RangeError.
        var hardMiB = (int)Math.Min(4096, 4 * capBytes / (1024 * 1024) + 256);
        runtime = new V8Runtime(new V8RuntimeConstraints { MaxOldSpaceSize = hardMiB })
        {
            // V8 counts its committed young generation and compiled code in the heap size: a loop that allocates nothing
            // but gets optimised can pass a small cap. The script gets the cap; V8's working space comes on top.
            MaxHeapSize = (UIntPtr)(capBytes + V8WorkingSpaceBytes),
            HeapSizeSampleInterval = TimeSpan.FromMilliseconds(5),
            MaxStackUsage = (UIntPtr)StackBytes,
        };
        prelude = runtime.Compile(PreludeDocument, JsPrelude.Source);
        ready = new JsContext(runtime, prelude, capBytes, extensions);
        ready.InstallWebApi();
    }

    /// <summary>The heap cap the isolate was made with.</summary>
    public long CapBytes => capBytes;

    /// <summary>The stack cap the isolate was made with.</summary>
    public long StackBytes { get; }

    /// <summary>Whether the isolate was made for these limits (a blank one made ahead of time serves only calls with them).</summary>
    public bool Fits(ExecutionOptions limits) => capBytes == limits.MemoryBytes && StackBytes == JsLimits.StackBytes(limits);

    /// <summary>Gives a blank isolate its one function for good: a classic script is compiled now (through V8's code cache).</summary>
    public JsIsolate Adopt(JsFunction owner, IReadOnlyList<IJsApiExtension> apiExtensions)
    {
        if (function is not null)
        {
            throw new InvalidOperationException("an isolate serves one function only");
        }

        function = owner;
        extensions = apiExtensions;
        if (owner.IsModule)
        {
            ready?.Extensions = apiExtensions;
        }
        else
        {
            ready?.Dispose();
            ready = null;
            script = owner.Compile(runtime, Document);
        }

        return this;
    }

    /// <summary>When the isolate last went idle (<see cref="Environment.TickCount64"/>).</summary>
    public long LastUsed { get; set; }

    /// <summary>A context for one call: the pooled one (created and loaded on first use) unless a fresh one is asked for.</summary>
    public JsContext Context(bool fresh)
    {
        if (!fresh && pooled is not null)
        {
            return pooled;
        }

        var context = ready ?? new JsContext(runtime, prelude, capBytes, extensions);
        ready = null;
        if (!fresh)
        {
            pooled = context;
        }

        return context;
    }

    /// <summary>Runs the function's top level in the context (a classic script, or a module whose default export is adopted).</summary>
    public void Load(JsContext context)
    {
        if (script is not null)
        {
            context.Load(script);
        }
        else
        {
            context.LoadModule((function ?? throw new InvalidOperationException("the isolate has no function")).Source);
        }
    }

    /// <summary>Done with a context: a fresh one is dropped, and so is the pooled one when its state cannot be trusted.</summary>
    public void Release(JsContext context, bool discard)
    {
        if (!ReferenceEquals(context, pooled))
        {
            context.Dispose();
        }
        else if (discard)
        {
            pooled = null;
            context.Dispose();
        }
    }

    public void Dispose()
    {
        pooled?.Dispose();
        ready?.Dispose();
        script?.Dispose();
        prelude.Dispose();
        runtime.Dispose();
    }
}
