using System.Text;
using Acornima.Ast;
using Jint;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// The silo's JavaScript engine (Jint): scripts are parsed once per tech id and the prepared form is cached; every
/// call runs in a fresh Jint engine (nothing leaks between calls) under the limits of <see cref="ExecutionOptions"/>.
/// </summary>
public sealed class JsEngine(IOptions<ExecutionOptions> limits, ILogger<JsEngine> logger, IEnumerable<IJsApiExtension>? extensions = null) : IFunctionEngine
{
    /// <summary>The file name scripts carry in error locations.</summary>
    public const string SourceName = "function.js";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly VersionCache<Prepared<Script>> scripts = new(limits.Value.CachedVersions);
    private readonly IJsApiExtension[] extensions = extensions?.ToArray() ?? [];

    public FunctionKind Kind => FunctionKind.Js;

    public FunctionValidation Validate(ReadOnlySpan<byte> bytes, string? techId = null)
    {
        try
        {
            Prepare(bytes);
            return FunctionValidation.Valid;
        }
        catch (DecoderFallbackException)
        {
            return "the script is not UTF-8 text";
        }
        catch (ScriptPreparationException e)
        {
            return $"the script does not parse: {JsErrors.Describe(e)}";
        }
    }

    public async Task<InvocationResult> InvokeAsync(FunctionTarget target, InvocationRequest request)
    {
        if (request.Mode == InvocationMode.Posix)
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest,
                "posix mode runs WASI programs; JavaScript functions run in direct mode only");
        }

        Prepared<Script> script;
        try
        {
            script = await GetScriptAsync(target);
        }
        catch (Exception e)
        {
            scripts.Remove(target.TechId);
            logger.LogError(e, "Cannot load script {Function} ({TechId})", target.Name, target.TechId);
            return InvocationResult.Failed(InvocationOutcome.GuestError, $"cannot load the script: {e.Message}");
        }

        var guest = target.CreateGuest(request, limits.Value, logger);
        return await GuestThreads.Shared.RunAsync((Invocation: new JsInvocation(guest, extensions), Script: script), static call => call.Invocation.Run(call.Script));
    }

    /// <summary>The prepared script of a tech id, parsed at most once per silo.</summary>
    internal Task<Prepared<Script>> GetScriptAsync(FunctionTarget target) =>
        scripts.GetOrLoad(target.TechId, async () => Prepare(await target.LoadBytes()));

    public int CachedVersions => scripts.Count;

    public void Forget(string techId) => scripts.Remove(techId);

    private static Prepared<Script> Prepare(ReadOnlySpan<byte> bytes)
    {
        var text = StrictUtf8.GetString(bytes.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes);
        return Engine.PrepareScript(text, SourceName, strict: true);
    }
}
