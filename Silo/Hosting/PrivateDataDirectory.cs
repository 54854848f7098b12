using System.Runtime.InteropServices;

namespace MyOwnCluster.Silo.Hosting;

/// <summary>
/// Keeps the data directory (store, WAL, backups, compiled code, token, certificate) readable by the silo's user only:
/// the process creates everything 0700/0600 (umask 077, as PostgreSQL does), and entries left with wider modes by
/// older versions are narrowed on start.
/// </summary>
internal static partial class PrivateDataDirectory
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory (or narrows it and what it holds); answers how many entries had wider modes.</summary>
    public static int Prepare(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return 0;
        }

        return PrepareUnix(directory);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static int PrepareUnix(string directory)
    {
        // Every file and directory this process makes from now on (SQLite's -wal and -shm, backups, cache) is private.
        _ = Umask(0b000_111_111);
        Directory.CreateDirectory(directory, DirectoryMode);
        var narrowed = Narrow(directory, DirectoryMode);
        // Symbolic links are skipped: a mode change would reach their target, which may be anything.
        var walk = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", walk))
        {
            narrowed += Narrow(entry.FullName, entry is DirectoryInfo ? DirectoryMode : FileMode);
        }

        return narrowed;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static int Narrow(string path, UnixFileMode wanted)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & ~wanted) == 0)
        {
            return 0;
        }

        File.SetUnixFileMode(path, mode & wanted);
        return 1;
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);
}
