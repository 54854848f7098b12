namespace MyOwnCluster.Silo.Hosting;

/// <summary>
/// A setting or a data directory the silo cannot start with. Program prints its message (which names what to fix) on
/// one line and exits with 2, instead of an unhandled exception's stack trace and an abort.
/// </summary>
public sealed class StartupException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
