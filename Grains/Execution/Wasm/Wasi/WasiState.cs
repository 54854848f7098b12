using System.Diagnostics;
using System.Text;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>The body of a fetched URL, or null and why it could not be had (refused by the policy, failed, not 2xx).</summary>
public sealed record UrlFetchResult(byte[]? Body, string? Error, bool Refused);

/// <summary>Fetches a URL for a posix program's read-only <c>http(s)://</c> open.</summary>
public interface IWasiUrlFetcher
{
    Task<UrlFetchResult> FetchAsync(string url, CancellationToken cancellationToken);
}

/// <summary>
/// The WASI side of one invocation: argv/environ blobs, the descriptor table (0-2 standard streams, 3 the preopened
/// <c>/</c>, 4 and 5 the same tree preopened as <c>./</c> and <c>../</c> for old binaries) and the file tree. Lives in <see cref="WasmCall.Wasi"/>; created up front in posix mode, lazily otherwise.
/// </summary>
public sealed class WasiState
{
    public const int MaxDescriptors = 1024;
    public const int PreopenFd = 3;
    private WasiFd?[] descriptors = new WasiFd?[8];

    public WasiState(GuestContext guest, Vfs fileSystem, IWasiUrlFetcher? urlFetcher = null)
    {
        Guest = guest;
        FileSystem = fileSystem;
        fileSystem.ChargeMemory = bytes => guest.TryChargeMemory("wasi", bytes);
        UrlFetcher = urlFetcher;
        var request = guest.Request;
        var argv = new List<string>(request.PosixArguments.Count + 1) { request.Program ?? guest.FunctionName };
        argv.AddRange(request.PosixArguments);
        (Arguments, ArgumentOffsets) = Pack(argv);
        var environment = new List<string>(request.Environment.Count);
        foreach (var (name, value) in request.Environment)
        {
            environment.Add(name + "=" + value);
        }

        (Environment, EnvironmentOffsets) = Pack(environment);
        var input = guest.GetBuffer(guest.InputBufferId)!;
        // Not a terminal either (see WasiOutputFd): a stream of unknown type that cannot seek.
        descriptors[0] = new WasiBufferReadFd(input, WasiTypes.FileTypeUnknown, seekable: false);
        descriptors[1] = new WasiOutputFd(guest, guest.Output) { Flags = WasiTypes.FdFlagAppend };
        descriptors[2] = new WasiOutputFd(guest, null) { Flags = WasiTypes.FdFlagAppend };
        descriptors[PreopenFd] = new WasiDirectoryFd(fileSystem.Root, "/", WasiTypes.DirectoryRights, WasiTypes.AllRights);
        // As the founding host did: wasi-libc before its working-directory support (2020 and older) only resolves a
        // relative path such as "api://input" when some preopen is named "." or "./"; "../" serves "../x" the same way.
        descriptors[PreopenFd + 1] = new WasiDirectoryFd(fileSystem.Root, "./", WasiTypes.DirectoryRights, WasiTypes.AllRights);
        descriptors[PreopenFd + 2] = new WasiDirectoryFd(fileSystem.Root, "../", WasiTypes.DirectoryRights, WasiTypes.AllRights);
    }

    public GuestContext Guest { get; }

    public Vfs FileSystem { get; }

    public IWasiUrlFetcher? UrlFetcher { get; }

    /// <summary>argv strings, each NUL-terminated, back to back, and where each starts.</summary>
    internal byte[] Arguments { get; }

    internal int[] ArgumentOffsets { get; }

    internal byte[] Environment { get; }

    internal int[] EnvironmentOffsets { get; }

    internal long StartTimestamp { get; } = Stopwatch.GetTimestamp();

    public static WasiState For(WasmCall call) => call.Wasi ??= new WasiState(call.Guest, new Vfs());


    internal WasiFd? Get(int fd) => (uint)fd < (uint)descriptors.Length ? descriptors[fd] : null;

    /// <summary>The descriptor if open and holding the rights; otherwise EBADF, as read(2) on a write-only fd answers.</summary>
    internal int Get(int fd, ulong rights, out WasiFd descriptor)
    {
        descriptor = Get(fd)!;
        if (descriptor is null)
        {
            return WasiErrno.BadF;
        }

        return descriptor.Has(rights) ? WasiErrno.Success : WasiErrno.BadF;
    }

    internal int Add(WasiFd descriptor, out int fd)
    {
        for (fd = 0; fd < descriptors.Length; fd++)
        {
            if (descriptors[fd] is null)
            {
                descriptors[fd] = descriptor;
                return WasiErrno.Success;
            }
        }

        if (descriptors.Length >= MaxDescriptors)
        {
            fd = -1;
            return WasiErrno.MFile;
        }

        fd = descriptors.Length;
        Array.Resize(ref descriptors, descriptors.Length * 2);
        descriptors[fd] = descriptor;
        return WasiErrno.Success;
    }

    internal bool Close(int fd)
    {
        if (Get(fd) is null)
        {
            return false;
        }

        descriptors[fd] = null;
        return true;
    }

    internal int Renumber(int from, int to)
    {
        var source = Get(from);
        if (source is null || Get(to) is null)
        {
            return WasiErrno.BadF;
        }

        descriptors[to] = source;
        if (from != to)
        {
            descriptors[from] = null;
        }

        return WasiErrno.Success;
    }

    private static (byte[] Blob, int[] Offsets) Pack(List<string> strings)
    {
        var offsets = new int[strings.Count];
        using var blob = new MemoryStream();
        for (var i = 0; i < strings.Count; i++)
        {
            offsets[i] = (int)blob.Length;
            blob.Write(Encoding.UTF8.GetBytes(strings[i]));
            blob.WriteByte(0);
        }

        return (blob.ToArray(), offsets);
    }
}
