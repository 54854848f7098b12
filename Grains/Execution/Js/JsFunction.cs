using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.ClearScript;
using Microsoft.ClearScript.V8;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// A function's script on this silo (one per tech id): its source, its form (classic script or ES module), V8's code
/// cache for it (in memory, and in <paramref name="cacheFile"/> when given, so a restarted silo skips parsing too),
/// and the idle isolates that serve its calls, one call per isolate at a time.
/// </summary>
internal sealed partial class JsFunction(string source, string? cacheFile = null) : IDisposable
{
    private readonly ConcurrentBag<JsIsolate> idle = [];
    private readonly SemaphoreSlim slots = new(MaxIsolates, MaxIsolates);
    private byte[]? codeCache;

    public string Source { get; } = source;

    /// <summary>A script with a top-level <c>import</c> or <c>export</c> is an ES module (a Workers-style handler).</summary>
    public bool IsModule { get; } = ModuleSyntax().IsMatch(source);

    /// <summary>
    /// Isolates of one function at once, one per core: more concurrent calls wait for one (within their deadline)
    /// without holding a thread. More would not run faster on the silo's cores; they would overflow the guest threads'
    /// inline slots (a thread hop per call) and isolates made and dropped under load cost more than the wait.
    /// </summary>
    public static int MaxIsolates { get; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// Waits, without holding a thread, until one of the function's isolates may serve a call; false when none is free
    /// within <paramref name="timeoutMs"/>. A caller that got true calls <see cref="Rent"/> and then <see cref="Return"/>.
    /// Waiting here, before the call takes a thread, matters under load: callers blocked on a free isolate held pool
    /// and guest threads by the dozen, each then woken to run for a few microseconds.
    /// </summary>
    public Task<bool> WaitForSlotAsync(int timeoutMs) => slots.WaitAsync(Math.Max(0, timeoutMs));

    /// <summary>An isolate for a call holding a slot, idle or adopted from <paramref name="blank"/>; null (slot released) when no blank one came.</summary>
    public JsIsolate? Rent(Func<JsIsolate?> blank, IReadOnlyList<IJsApiExtension> extensions)
    {
        try
        {
            if (idle.TryTake(out var isolate))
            {
                return isolate;
            }

            if (blank() is not { } made)
            {
                slots.Release();
                return null;
            }

            try
            {
                return made.Adopt(this, extensions);
            }
            catch
            {
                made.Dispose();
                throw;
            }
        }
        catch
        {
            slots.Release();
            throw;
        }
    }

    /// <summary>Whether the function has an isolate, idle or serving a call.</summary>
    public bool HasIsolates => !idle.IsEmpty || slots.CurrentCount < MaxIsolates;

    /// <summary>Ends a call's use of an isolate: kept for the next call, or disposed when it cannot be trusted.</summary>
    public void Return(JsIsolate isolate, bool keep)
    {
        if (keep)
        {
            isolate.LastUsed = Environment.TickCount64;
            idle.Add(isolate);
        }
        else
        {
            isolate.Dispose();
        }

        slots.Release();
    }

    /// <summary>Compiles the classic script in an isolate, through V8's code cache once one isolate has made it.</summary>
    public V8Script Compile(V8Runtime runtime, DocumentInfo document)
    {
        var cache = codeCache ?? ReadCacheFile();
        if (cache is not null)
        {
            var cached = runtime.Compile(document, Source, V8CacheKind.Code, cache, out var accepted);
            if (accepted)
            {
                codeCache = cache;
                return cached;
            }

            // Another V8 version or a damaged file: V8 compiled from source; the next isolate makes a new cache.
            codeCache = null;
            DeleteCacheFile();
            return cached;
        }

        var script = runtime.Compile(document, Source, V8CacheKind.Code, out cache);
        if (cache is { Length: > 0 })
        {
            codeCache ??= cache;
            WriteCacheFile(cache);
        }

        return script;
    }

    private long lastUsed = Environment.TickCount64;

    /// <summary>When a call last asked for this function (Environment.TickCount64).</summary>
    public long LastUsedTicks => Volatile.Read(ref lastUsed);

    public void Touch() => Volatile.Write(ref lastUsed, Environment.TickCount64);

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

        slots.Dispose();
    }

    private byte[]? ReadCacheFile()
    {
        try
        {
            return cacheFile is not null && File.Exists(cacheFile) ? File.ReadAllBytes(cacheFile) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Written whole under a temporary name, then moved: a reader never sees half a cache.</summary>
    private void WriteCacheFile(byte[] cache)
    {
        if (cacheFile is null || File.Exists(cacheFile))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
            var temporary = $"{cacheFile}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
            File.WriteAllBytes(temporary, cache);
            File.Move(temporary, cacheFile, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache is an optimisation: without it the script is parsed again.
        }
    }

    private void DeleteCacheFile()
    {
        try
        {
            if (cacheFile is not null)
            {
                File.Delete(cacheFile);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Replaced by the next isolate's cache when it can be.
        }
    }

    [GeneratedRegex(@"^\s*(export\s|import\s*[\w{*'""])", RegexOptions.Multiline)]
    private static partial Regex ModuleSyntax();
}
