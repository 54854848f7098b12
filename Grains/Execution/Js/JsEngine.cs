using System.Collections.Concurrent;
using System.Text;
using Microsoft.ClearScript;
using Microsoft.ClearScript.JavaScript;
using Microsoft.ClearScript.V8;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// The silo's JavaScript engine (V8 through ClearScript). Each function (tech id) gets isolates of its own, never
/// shared with another function's code, with its script compiled once per isolate from V8's code cache. A classic
/// script runs in a fresh context per call (nothing leaks between calls); an ES module handler keeps one loaded
/// context per isolate that serves calls one at a time, as workerd does, unless registered with a fresh context.
/// </summary>
public sealed class JsEngine(IOptions<ExecutionOptions> limits, ILogger<JsEngine> logger, IEnumerable<IJsApiExtension>? extensions = null) : IFunctionEngine
{
    /// <summary>The file name scripts carry in error locations.</summary>
    public const string SourceName = "function.js";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Lazy<V8Runtime> Validator = new(() => new V8Runtime(new V8RuntimeConstraints { MaxOldSpaceSize = 256 }));
    private readonly ConcurrentDictionary<string, Lazy<Task<JsFunction>>> functions = new();
    private readonly IJsApiExtension[] extensions = extensions?.ToArray() ?? [];
    private int sweeping;

    static JsEngine()
    {
        // V8 runs its background work (concurrent compilation and marking) as tasks on the .NET thread pool, and a call
        // can wait for one. Runaway scripts and blocking callers can hold every pool thread: a call then stalled for
        // seconds behind the pool's queue. Without background work V8 does that work on the calling thread.
        V8Settings.GlobalFlags |= V8GlobalFlags.DisableBackgroundWork;
    }

    /// <summary>How long an isolate may stay idle before it is disposed: an idle function costs its source and code cache only.</summary>
    public static TimeSpan IdleIsolateLifetime { get; } = TimeSpan.FromSeconds(30);

    public FunctionKind Kind => FunctionKind.Js;

    public FunctionValidation Validate(ReadOnlySpan<byte> bytes, string? techId = null)
    {
        string source;
        try
        {
            source = Decode(bytes);
        }
        catch (DecoderFallbackException)
        {
            return "the script is not UTF-8 text";
        }

        var document = new DocumentInfo(SourceName) { Category = new JsFunction(source).IsModule ? ModuleCategory.Standard : DocumentCategory.Script };
        try
        {
            lock (Validator)
            {
                Validator.Value.Compile(document, source).Dispose();
            }

            return FunctionValidation.Valid;
        }
        catch (ScriptEngineException e)
        {
            return $"the script does not parse: {JsErrors.DescribeSyntax(e)}";
        }
    }

    public async Task<InvocationResult> InvokeAsync(FunctionTarget target, InvocationRequest request)
    {
        if (request.Mode == InvocationMode.Posix)
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest,
                "posix mode runs WASI programs; JavaScript functions run in direct mode only");
        }

        JsFunction function;
        try
        {
            var loading = GetFunctionAsync(target);
            if (!loading.IsCompleted)
            {
                // Every caller that came while the script loaded resumes when it is loaded: inline, they would run one
                // after another on the thread that finished loading it, each waiting for the calls before it to end.
                await loading;
                await Task.Yield();
            }

            function = await loading;
        }
        catch (Exception e)
        {
            functions.TryRemove(target.TechId, out _);
            logger.LogError(e, "Cannot load script {Function} ({TechId})", target.Name, target.TechId);
            return InvocationResult.Failed(InvocationOutcome.GuestError, $"cannot load the script: {e.Message}");
        }

        function.Touch();
        if (!function.HasIsolates)
        {
            // Making a function's first isolate is the platform's cost, not the call's: the first call waits for it
            // before its clock starts. Later calls that need one more adopt the blank one made ahead, on their clock.
            try
            {
                await JsSpareIsolate.Shared.Prepare(limits.Value);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Cannot make a V8 isolate");
                return InvocationResult.Failed(InvocationOutcome.GuestError, "the JavaScript engine cannot start an isolate");
            }
        }

        var guest = target.CreateGuest(request, limits.Value, logger);
        var fresh = !function.IsModule || target.JsFreshContext;
        var invocation = new JsInvocation(guest, function, extensions, fresh);
        if (!await function.WaitForSlotAsync(guest.RemainingMs))
        {
            return invocation.TimedOut();
        }

        var result = await GuestThreads.Shared.RunAsync(invocation, static call => call.Run());

        if (Interlocked.Exchange(ref sweeping, 1) == 0)
        {
            _ = SweepAsync();
        }

        return result;
    }

    public int CachedVersions => functions.Count;

    /// <summary>
    /// Drops a version's compiled script and its idle isolates; one running a call now finishes that call and is not
    /// handed out again.
    /// </summary>
    public void Forget(string techId)
    {
        if (functions.TryRemove(techId, out var entry) && entry.IsValueCreated && entry.Value.IsCompletedSuccessfully)
        {
            entry.Value.Result.Trim(-1);
        }
    }

    /// <summary>Disposes idle isolates now and then while there are any; ends when none is left (the next call restarts it).</summary>
    private async Task SweepAsync()
    {
        var left = 1;
        while (left > 0)
        {
            await Task.Delay(IdleIsolateLifetime);
            left = 0;
            foreach (var entry in functions.Values)
            {
                if (entry.IsValueCreated && entry.Value.IsCompletedSuccessfully)
                {
                    left += entry.Value.Result.Trim((long)IdleIsolateLifetime.TotalMilliseconds);
                }
            }
        }

        Volatile.Write(ref sweeping, 0);
    }

    /// <summary>The function of a tech id, its bytes loaded at most once per silo.</summary>
    private Task<JsFunction> GetFunctionAsync(FunctionTarget target)
    {
        if (!functions.ContainsKey(target.TechId) && functions.Count >= Math.Max(1, limits.Value.CachedVersions))
        {
            // Bounded: a new version pushes out the one idle longest.
            var oldest = functions.Where(f => f.Value.IsValueCreated && f.Value.Value.IsCompletedSuccessfully)
                .MinBy(f => f.Value.Value.Result.LastUsedTicks);
            if (oldest.Key is not null)
            {
                Forget(oldest.Key);
            }
        }

        return functions.GetOrAdd(target.TechId, techId => new Lazy<Task<JsFunction>>(async () =>
            new JsFunction(Decode(await target.LoadBytes()), CacheFile(limits.Value.CompiledCacheDirectory, techId)))).Value;
    }

    /// <summary>Where V8's code cache of a tech id is kept: <c>js/</c> beside the compiled-wasm cache directory; none without one.</summary>
    internal static string? CacheFile(string? wasmCacheDirectory, string techId)
    {
        if (wasmCacheDirectory is null || techId.Length is 0 or > 128 || !techId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return null;
        }

        var parent = Path.GetDirectoryName(Path.GetFullPath(wasmCacheDirectory.TrimEnd('/'))) ?? wasmCacheDirectory;
        return Path.Combine(parent, "js", techId + ".v8cache");
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => StrictUtf8.GetString(bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes);
}
