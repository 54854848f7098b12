using MyOwnCluster.Files;

namespace MyOwnCluster.Functions;

/// <summary>
/// What a function or blob name may be: names are also import module names and URL segments. Checked by the
/// FunctionGrain itself, so the HTTPS API and Orleans client SDK callers get the same answer.
/// </summary>
public static class FunctionNames
{
    public const int MaxLength = 256;

    /// <summary>Why the name is refused, or null when it is fine.</summary>
    public static string? Problem(string name) =>
        name.Length == 0 || name.Length > MaxLength || name.Any(c => c <= ' ' || c == '\u007f')
        || name.StartsWith(TechIds.Prefix, StringComparison.Ordinal)
            ? $"invalid name '{name}': up to {MaxLength} printable characters without spaces"
            : null;
}
