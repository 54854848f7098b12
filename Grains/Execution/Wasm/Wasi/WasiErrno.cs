namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>WASI errno values (identical in preview0 and preview1).</summary>
internal static class WasiErrno
{
    public const int Success = 0;
    public const int TooBig = 1;
    public const int Access = 2;
    public const int Again = 6;
    public const int BadF = 8;
    public const int DQuot = 19;
    public const int Exist = 20;
    public const int Fault = 21;
    public const int FBig = 22;
    public const int Inval = 28;
    public const int Io = 29;
    public const int IsDir = 31;
    public const int Loop = 32;
    public const int MFile = 33;
    public const int NameTooLong = 37;
    public const int NoEnt = 44;
    public const int NoSpc = 51;
    public const int NoSys = 52;
    public const int NotDir = 54;
    public const int NotEmpty = 55;
    public const int NotSock = 57;
    public const int NotSup = 58;
    public const int Overflow = 61;
    public const int Perm = 63;
    public const int RoFs = 69;
    public const int SPipe = 70;
    public const int XDev = 75;
    public const int NotCapable = 76;
}

/// <summary>WASI enum and flag values shared by preview0 and preview1.</summary>
internal static class WasiTypes
{
    public const byte FileTypeUnknown = 0;
    public const byte FileTypeDirectory = 3;
    public const byte FileTypeRegularFile = 4;
    public const byte FileTypeSymbolicLink = 7;

    /// <summary>lookupflags: follow a symbolic link at the end of the path.</summary>
    public const int LookupSymlinkFollow = 1;

    public const ushort FdFlagAppend = 1;
    public const ushort FdFlagNonBlock = 4;
    public const ushort FdFlagsKnown = 0x1f;

    public const ushort OFlagCreate = 1;
    public const ushort OFlagDirectory = 2;
    public const ushort OFlagExclusive = 4;
    public const ushort OFlagTruncate = 8;

    public const ushort FstFlagAtim = 1;
    public const ushort FstFlagAtimNow = 2;
    public const ushort FstFlagMtim = 4;
    public const ushort FstFlagMtimNow = 8;

    public const int ClockRealtime = 0;
    public const int ClockMonotonic = 1;
    public const int ClockProcessCpu = 2;
    public const int ClockThreadCpu = 3;

    public const ulong RightFdDatasync = 1UL << 0;
    public const ulong RightFdRead = 1UL << 1;
    public const ulong RightFdSeek = 1UL << 2;
    public const ulong RightFdFdstatSetFlags = 1UL << 3;
    public const ulong RightFdSync = 1UL << 4;
    public const ulong RightFdTell = 1UL << 5;
    public const ulong RightFdWrite = 1UL << 6;
    public const ulong RightFdAdvise = 1UL << 7;
    public const ulong RightFdAllocate = 1UL << 8;
    public const ulong RightPathCreateDirectory = 1UL << 9;
    public const ulong RightPathCreateFile = 1UL << 10;
    public const ulong RightPathLinkSource = 1UL << 11;
    public const ulong RightPathLinkTarget = 1UL << 12;
    public const ulong RightPathOpen = 1UL << 13;
    public const ulong RightFdReaddir = 1UL << 14;
    public const ulong RightPathReadlink = 1UL << 15;
    public const ulong RightPathRenameSource = 1UL << 16;
    public const ulong RightPathRenameTarget = 1UL << 17;
    public const ulong RightPathFilestatGet = 1UL << 18;
    public const ulong RightPathFilestatSetSize = 1UL << 19;
    public const ulong RightPathFilestatSetTimes = 1UL << 20;
    public const ulong RightPathSymlink = 1UL << 24;
    public const ulong RightPathRemoveDirectory = 1UL << 25;
    public const ulong RightPathUnlinkFile = 1UL << 26;
    public const ulong RightFdFilestatGet = 1UL << 21;
    public const ulong RightFdFilestatSetSize = 1UL << 22;
    public const ulong RightFdFilestatSetTimes = 1UL << 23;
    public const ulong RightPollFdReadwrite = 1UL << 27;

    /// <summary>Every right defined by preview1 (bits 0..29).</summary>
    public const ulong AllRights = (1UL << 30) - 1;

    /// <summary>Rights that make sense on a regular file.</summary>
    public const ulong FileRights = RightFdDatasync | RightFdRead | RightFdSeek | RightFdFdstatSetFlags | RightFdSync
        | RightFdTell | RightFdWrite | RightFdAdvise | RightFdAllocate | RightFdFilestatGet | RightFdFilestatSetSize
        | RightFdFilestatSetTimes | RightPollFdReadwrite;

    /// <summary>Rights of a directory: path operations and readdir, no byte I/O.</summary>
    public const ulong DirectoryRights = AllRights & ~(RightFdRead | RightFdSeek | RightFdTell | RightFdWrite
        | RightFdAdvise | RightFdAllocate | RightFdFilestatSetSize | (1UL << 28) | (1UL << 29));

    public const ulong StreamRights = RightFdRead | RightFdWrite | RightFdFdstatSetFlags | RightFdFilestatGet
        | RightPollFdReadwrite;
}

/// <summary>Readable names of the errno values the host returns, for admin-facing errors.</summary>
internal static class WasiErrnoText
{
    public static string Describe(int errno) => errno switch
    {
        WasiErrno.Access => "permission denied",
        WasiErrno.DQuot => "the file tree quota is exceeded",
        WasiErrno.Exist => "already exists",
        WasiErrno.FBig => "file too large",
        WasiErrno.Inval => "invalid argument",
        WasiErrno.IsDir => "is a directory",
        WasiErrno.NameTooLong => "name too long",
        WasiErrno.NoEnt => "no such file or directory",
        WasiErrno.NotDir => "not a directory",
        WasiErrno.NotEmpty => "directory not empty",
        WasiErrno.NotCapable => "the path leaves the file tree",
        _ => $"WASI errno {errno}",
    };
}
