using Acornima;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;

namespace MyOwnCluster.Execution.Js;

/// <summary>Readable messages for script errors: "TypeError: message at file:line:column".</summary>
internal static class JsErrors
{
    /// <summary>A thrown JS value with its name and where it was thrown; never runs script (own data properties only).</summary>
    public static string Describe(JavaScriptException e)
    {
        var name = e.Error is ObjectInstance error && OwnOrProtoString(error, "name") is { } errorName ? errorName + ": " : "";
        var location = e.Location;
        var where = location.Start.Line > 0 ? $" at {location.SourceFile}:{location.Start.Line}:{location.Start.Column + 1}" : "";
        return $"{name}{e.Message}{where}";
    }

    /// <summary>The parser's message with its position (the message carries "(file:line:column)").</summary>
    public static string Describe(ScriptPreparationException e) =>
        e.InnerException is ParseErrorException parse ? $"{parse.Description} at line {parse.LineNumber}, column {parse.Column}" : e.Message;

    private static string? OwnOrProtoString(ObjectInstance error, string property)
    {
        for (var current = error; current is not null; current = current.Prototype)
        {
            var descriptor = current.GetOwnProperty(property);
            if (descriptor != Jint.Runtime.Descriptors.PropertyDescriptor.Undefined)
            {
                return descriptor.IsDataDescriptor() && descriptor.Value is JsString text ? text.AsString() : null;
            }
        }

        return null;
    }
}
