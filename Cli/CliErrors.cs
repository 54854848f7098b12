namespace MyOwnCluster.Cli;

/// <summary>An expected failure: its message is shown to the user as is, without a stack trace.</summary>
internal class CliException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The server answered with an error status; <see cref="Exception.Message"/> is its <c>{"message"}</c>.</summary>
internal sealed class ApiException(int statusCode, string message) : CliException(message, ExitCodes.Failure)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>Process exit codes of <c>moc</c>.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The request failed: the server refused it, or a local file could not be read.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The server could not be reached (connection refused, TLS, timeout).</summary>
    public const int Unreachable = 3;
}
