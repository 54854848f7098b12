namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>Copies a tree between a host directory and a <see cref="Vfs"/> (fixtures, tests, import/export tooling).</summary>
public static class VfsHostDirectory
{
    public static Vfs Load(string hostDirectory, VfsQuota? quota = null)
    {
        var vfs = new Vfs(quota);
        LoadInto(vfs, vfs.Root, new DirectoryInfo(hostDirectory));
        vfs.MarkClean();
        return vfs;
    }

    /// <summary>
    /// Makes the host directory mirror the tree: writes every file (hard links as separate copies; symbolic links are
    /// left out) and removes what the tree no longer has.
    /// </summary>
    public static void Save(Vfs vfs, string hostDirectory)
    {
        Directory.CreateDirectory(hostDirectory);
        SaveDirectory(vfs.Root, new DirectoryInfo(hostDirectory));
    }

    private static void LoadInto(Vfs vfs, VfsDirectory target, DirectoryInfo source)
    {
        foreach (var entry in source.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null)
            {
                continue;
            }

            if (entry is DirectoryInfo subdirectory)
            {
                Check(vfs.CreateDirectory(target, entry.Name, out var created), entry.FullName);
                LoadInto(vfs, created, subdirectory);
                created.ModifyTimeNs = ToNs(entry.LastWriteTimeUtc);
                continue;
            }

            Check(vfs.CreateFile(target, entry.Name, out var file), entry.FullName);
            Check(vfs.Write(file, 0, File.ReadAllBytes(entry.FullName)), entry.FullName);
            file.AccessTimeNs = ToNs(entry.LastAccessTimeUtc);
            file.ModifyTimeNs = file.ChangeTimeNs = ToNs(entry.LastWriteTimeUtc);
        }
    }

    private static void SaveDirectory(VfsDirectory source, DirectoryInfo target)
    {
        foreach (var existing in target.EnumerateFileSystemInfos())
        {
            var kept = source.Entries.GetValueOrDefault(existing.Name);
            if (kept is null || (kept is VfsDirectory) != (existing is DirectoryInfo))
            {
                if (existing is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    existing.Delete();
                }
            }
        }

        foreach (var (name, node) in source.Entries)
        {
            var path = Path.Combine(target.FullName, name);
            if (node is VfsDirectory directory)
            {
                SaveDirectory(directory, Directory.CreateDirectory(path));
            }
            else if (node is VfsFile file)
            {
                File.WriteAllBytes(path, file.Content);
            }

            // Symbolic links are not copied out: on the host a guest's link could point anywhere.
        }
    }

    private static void Check(int errno, string path)
    {
        if (errno != WasiErrno.Success)
        {
            throw new IOException($"cannot load '{path}' into the file tree: {WasiErrnoText.Describe(errno)}");
        }
    }

    private static long ToNs(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
