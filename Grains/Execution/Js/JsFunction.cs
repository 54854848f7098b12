using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.ClearScript;
using Microsoft.ClearScript.V8;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// A function's script on this silo (one per tech id): its source, its form (classic script or ES module), V8's code
/// cache for it, and the idle isolates that serve its calls, one call per isolate at a time.
/// </summary>
internal sealed partial class JsFunction(string source) : IDisposable
{
    private readonly ConcurrentBag<JsIsolate> idle = [];
    private byte[]? codeCache;

    public string Source { get; } = source;

    /// <summary>A script with a top-level <c>import</c> or <c>export</c> is an ES module (a Workers-style handler).</summary>
    public bool IsModule { get; } = ModuleSyntax().IsMatch(source);

    /// <summary>Idle isolates kept per function; more concurrent calls create more, which are dropped when done.</summary>
    public static int MaxIdle { get; } = Math.Max(2, Environment.ProcessorCount);

    public JsIsolate Rent(ExecutionOptions limits, IReadOnlyList<IJsApiExtension> extensions) =>
        idle.TryTake(out var isolate) ? isolate : new JsIsolate(this, limits, extensions);

    public void Return(JsIsolate isolate)
    {
        if (idle.Count < MaxIdle)
        {
            isolate.LastUsed = Environment.TickCount64;
            idle.Add(isolate);
        }
        else
        {
            isolate.Dispose();
        }
    }

    /// <summary>Compiles the classic script in an isolate, through V8's code cache once one isolate has made it.</summary>
    public V8Script Compile(V8Runtime runtime, DocumentInfo document)
    {
        var cache = codeCache;
        if (cache is not null)
        {
            return runtime.Compile(document, Source, V8CacheKind.Code, cache, out _);
        }

        var script = runtime.Compile(document, Source, V8CacheKind.Code, out cache);
        codeCache ??= cache;
        return script;
    }

    /// <summary>Disposes the isolates idle for longer than <paramref name="idleMs"/>; the number still idle.</summary>
    public int Trim(long idleMs)
    {
        var now = Environment.TickCount64;
        var kept = new List<JsIsolate>();
        while (idle.TryTake(out var isolate))
        {
            if (now - isolate.LastUsed > idleMs)
            {
                isolate.Dispose();
            }
            else
            {
                kept.Add(isolate);
            }
        }

        kept.ForEach(idle.Add);
        return kept.Count;
    }

    public void Dispose()
    {
        while (idle.TryTake(out var isolate))
        {
            isolate.Dispose();
        }
    }

    [GeneratedRegex(@"^\s*(export\s|import\s*[\w{*'""])", RegexOptions.Multiline)]
    private static partial Regex ModuleSyntax();
}
