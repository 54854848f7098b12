using MyOwnCluster.Buffers;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>
/// path_open: files and directories of the tree, plus the platform's special names: <c>api://input</c> (read-only,
/// the input buffer), <c>api://output</c> (write-only, appends to the output buffer) and <c>http(s)://</c> URLs
/// (read-only, fetched once through <see cref="IWasiUrlFetcher"/>).
/// </summary>
internal static class WasiPathOpen
{
    public static void Define(HostBinder b) =>
        b.Fn("path_open",
            (HostCaller caller, int fd, int lookupFlags, int pathPtr, int pathLength, int oflags, long rights, long inheriting, int fdflags, int resultPtr) =>
            {
                var state = WasiState.For(WasmCall.Of(caller));
                var memory = GuestMemory.Of(caller, "path_open");
                var errno = Open(state, memory, fd, lookupFlags, pathPtr, pathLength, oflags, (ulong)rights, (ulong)inheriting, (ushort)fdflags, out var opened);
                if (errno != WasiErrno.Success)
                {
                    return errno;
                }

                errno = state.Add(opened, out var newFd);
                if (errno == WasiErrno.Success)
                {
                    WasiMemory.WriteU32(memory, "path_open", resultPtr, (uint)newFd);
                }

                return errno;
            });

    private static int Open(WasiState state, GuestLinear memory, int fd, int lookupFlags, int pathPtr, int pathLength, int oflags, ulong rights,
        ulong inheriting, ushort fdflags, out WasiFd opened)
    {
        opened = null!;
        var descriptor = state.Get(fd);
        if (descriptor is not WasiDirectoryFd directory)
        {
            return descriptor is null ? WasiErrno.BadF : WasiErrno.NotDir;
        }

        if (!directory.Has(WasiTypes.RightPathOpen))
        {
            return WasiErrno.NotCapable;
        }

        var path = WasiMemory.ReadPath(memory, "path_open", pathPtr, pathLength);
        if (path is null)
        {
            return WasiErrno.NameTooLong;
        }

        if ((fdflags & ~WasiTypes.FdFlagsKnown) != 0 || (oflags & ~0xf) != 0)
        {
            return WasiErrno.Inval;
        }

        var wantsWrite = (rights & (WasiTypes.RightFdWrite | WasiTypes.RightFdAllocate | WasiTypes.RightFdFilestatSetSize)) != 0
            || (oflags & WasiTypes.OFlagTruncate) != 0 || (fdflags & WasiTypes.FdFlagAppend) != 0;
        var special = OpenSpecial(state, path, wantsWrite, out opened);
        if (special is { } specialErrno)
        {
            return specialErrno;
        }

        var needed = ((oflags & WasiTypes.OFlagCreate) != 0 ? WasiTypes.RightPathCreateFile : 0)
            | ((oflags & WasiTypes.OFlagTruncate) != 0 ? WasiTypes.RightPathFilestatSetSize : 0);
        if (!directory.Has(needed))
        {
            return WasiErrno.NotCapable;
        }

        // O_CREAT|O_EXCL never follows a link at the end: an existing link, even a dangling one, is EEXIST (open(2)).
        var exclusive = (oflags & (WasiTypes.OFlagCreate | WasiTypes.OFlagExclusive)) == (WasiTypes.OFlagCreate | WasiTypes.OFlagExclusive);
        var follow = (lookupFlags & WasiTypes.LookupSymlinkFollow) != 0 && !exclusive;
        var errno = Vfs.Walk(directory.Directory, path, follow, out var parent, out var name, out var node);
        if (errno != WasiErrno.Success)
        {
            return errno;
        }

        if (node is VfsSymlink && !exclusive)
        {
            // O_NOFOLLOW on a link (open(2)).
            return WasiErrno.Loop;
        }

        if (node is null)
        {
            if ((oflags & WasiTypes.OFlagCreate) == 0 || name is null)
            {
                return WasiErrno.NoEnt;
            }

            if ((oflags & WasiTypes.OFlagDirectory) != 0 || path.EndsWith('/'))
            {
                return WasiErrno.IsDir;
            }

            errno = state.FileSystem.CreateFile(parent, name, out var created);
            if (errno != WasiErrno.Success)
            {
                return errno;
            }

            node = created;
        }
        else if (exclusive)
        {
            return WasiErrno.Exist;
        }

        return node is VfsDirectory subdirectory
            ? OpenDirectory(subdirectory, wantsWrite, rights & directory.RightsInheriting, inheriting & directory.RightsInheriting, out opened)
            : OpenFile(state.FileSystem, (VfsFile)node, oflags, rights & directory.RightsInheriting, fdflags, out opened);
    }

    private static int OpenDirectory(VfsDirectory directory, bool wantsWrite, ulong rights, ulong inheriting, out WasiFd opened)
    {
        opened = null!;
        if (wantsWrite)
        {
            return WasiErrno.IsDir;
        }

        opened = new WasiDirectoryFd(directory, null, rights & WasiTypes.DirectoryRights, inheriting);
        return WasiErrno.Success;
    }

    private static int OpenFile(Vfs vfs, VfsFile file, int oflags, ulong rights, ushort fdflags, out WasiFd opened)
    {
        opened = null!;
        if ((oflags & WasiTypes.OFlagDirectory) != 0)
        {
            return WasiErrno.NotDir;
        }

        if ((oflags & WasiTypes.OFlagTruncate) != 0)
        {
            var errno = vfs.Resize(file, 0);
            if (errno != WasiErrno.Success)
            {
                return errno;
            }
        }

        opened = new WasiFileFd(vfs, file, rights & WasiTypes.FileRights) { Flags = fdflags };
        return WasiErrno.Success;
    }

    /// <summary>Null when the path is an ordinary tree path; otherwise the errno of opening the special name.</summary>
    private static int? OpenSpecial(WasiState state, string path, bool wantsWrite, out WasiFd opened)
    {
        opened = null!;
        if (path.StartsWith("api:", StringComparison.Ordinal))
        {
            var guest = state.Guest;
            switch (path.AsSpan(4).TrimStart('/'))
            {
                case "input":
                    opened = new WasiBufferReadFd(guest.GetBuffer(guest.InputBufferId)!, WasiTypes.FileTypeRegularFile, seekable: true);
                    return wantsWrite ? WasiErrno.Access : WasiErrno.Success;
                case "output":
                    opened = new WasiOutputFd(guest, guest.Output) { Flags = WasiTypes.FdFlagAppend };
                    return WasiErrno.Success;
                default:
                    return WasiErrno.NoEnt;
            }
        }

        var url = NormalizeUrl(path);
        if (url is null)
        {
            return null;
        }

        if (wantsWrite || state.UrlFetcher is null)
        {
            state.Guest.LogGuestError("path_open", wantsWrite ? $"{url} can only be opened for reading" : $"outbound HTTP is not enabled ({url})");
            return WasiErrno.Access;
        }

        // Host calls are synchronous (the guest is blocked in this call anyway); the fetch is bounded by what is left of the call's deadline.
        using var deadline = DeadlineThread.Shared.CancelAfter(Math.Max(1, state.Guest.RemainingMs));
        var fetching = state.UrlFetcher.FetchAsync(url, deadline.Token);
        var fetched = deadline.Completed(fetching)
            ? fetching.GetAwaiter().GetResult()
            : new UrlFetchResult(null, $"{url}: the call's deadline passed before the answer came", Refused: false);
        if (fetched.Body is not { } body)
        {
            state.Guest.LogGuestError("path_open", fetched.Error ?? $"{url} cannot be fetched");
            return fetched.Refused ? WasiErrno.Access : WasiErrno.NoEnt;
        }

        opened = new WasiBufferReadFd(new ExchangeBuffer(body), WasiTypes.FileTypeRegularFile, seekable: true);
        return WasiErrno.Success;
    }

    /// <summary>libc may collapse "//" after the scheme when it joins the path to the working directory; undo that.</summary>
    private static string? NormalizeUrl(string path)
    {
        foreach (var scheme in (ReadOnlySpan<string>)["http:", "https:"])
        {
            if (path.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return scheme + "//" + path.AsSpan(scheme.Length).TrimStart('/').ToString();
            }
        }

        return null;
    }
}
