using System.Text.RegularExpressions;
using Microsoft.ClearScript;

namespace MyOwnCluster.Execution.Js;

/// <summary>Readable messages for script errors V8 reports to the host: "TypeError: message at function.js:line:column".</summary>
internal static partial class JsErrors
{
    /// <summary>An error thrown while a script compiled or ran its top level, with where V8 says it happened.</summary>
    public static string Describe(ScriptEngineException e) =>
        Location(e) is { } at ? $"{Message(e)} at {JsEngine.SourceName}:{at.Line}:{at.Column}" : Message(e);

    /// <summary>A syntax error with its position: "SyntaxError: Unexpected token ';' at line 2, column 13".</summary>
    public static string DescribeSyntax(ScriptEngineException e) =>
        Location(e) is { } at ? $"{Message(e)} at line {at.Line}, column {at.Column}" : Message(e);

    private static string Message(ScriptEngineException e) => e.Message.Trim();

    private static (int Line, int Column)? Location(ScriptEngineException e)
    {
        var match = SourceLocation().Match(e.ErrorDetails ?? "");
        return match.Success ? (int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value)) : null;
    }

    [GeneratedRegex(@"function(?: \[\d+\])?\.js:(\d+):(\d+)")]
    private static partial Regex SourceLocation();
}
