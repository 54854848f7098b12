using System.Text;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Tests.Wasi;

public sealed class VfsTests
{
    [Theory]
    [InlineData("..")]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../x")]
    [InlineData("a/./../..")]
    [InlineData("/etc/passwd")]
    public void Paths_cannot_leave_the_directory_they_start_from(string path)
    {
        var vfs = new Vfs();
        Assert.True(vfs.TryWriteFile("a/file", "x"u8, out _));

        Assert.Equal(WasiErrno.NotCapable, Vfs.Walk(vfs.Root, path, out _, out _, out _));
    }

    [Fact]
    public void Dot_dot_inside_the_tree_resolves()
    {
        var vfs = new Vfs();
        Assert.True(vfs.TryWriteFile("a/b/file", "x"u8, out _));

        Assert.Equal(WasiErrno.Success, Vfs.Walk(vfs.Root, "a/b/../b/./file", out _, out var name, out var node));
        Assert.Equal("file", name);
        Assert.IsType<VfsFile>(node);
    }

    [Fact]
    public void A_subdirectory_descriptor_cannot_reach_its_parent()
    {
        var vfs = new Vfs();
        Assert.True(vfs.TryWriteFile("a/b/file", "x"u8, out _));
        var b = (VfsDirectory)vfs.Find("a/b")!;

        Assert.Equal(WasiErrno.NotCapable, Vfs.Walk(b, "../b/file", out _, out _, out _));
    }

    [Fact]
    public void Byte_quota_is_enforced_and_freed_on_delete()
    {
        var vfs = new Vfs(new VfsQuota(MaxBytes: 10, MaxEntries: 100));
        Assert.True(vfs.TryWriteFile("a", new byte[8], out _));

        Assert.False(vfs.TryWriteFile("b", new byte[3], out var error));
        Assert.Contains("quota", error);
        Assert.True(vfs.Delete("a"));
        Assert.Equal(0, vfs.UsedBytes);
        Assert.True(vfs.TryWriteFile("b", new byte[10], out _));
    }

    [Fact]
    public void Entry_quota_is_enforced()
    {
        var vfs = new Vfs(new VfsQuota(MaxBytes: 1000, MaxEntries: 2));
        Assert.True(vfs.TryWriteFile("a", "1"u8, out _));
        Assert.True(vfs.TryWriteFile("b", "2"u8, out _));

        Assert.False(vfs.TryWriteFile("c", "3"u8, out _));
        Assert.Equal(2, vfs.EntryCount);
    }

    [Fact]
    public void Snapshot_round_trips_files_directories_and_times()
    {
        var vfs = new Vfs();
        Assert.True(vfs.TryWriteFile("docs/readme.txt", "hello"u8, out _));
        Assert.True(vfs.TryWriteFile("counter", "41"u8, out _));
        Assert.Equal(WasiErrno.Success, vfs.CreateDirectory(vfs.Root, "empty", out _));
        var mtime = vfs.Find("counter")!.ModifyTimeNs;

        var copy = Vfs.FromSnapshot(vfs.ToSnapshot());

        Assert.False(copy.IsDirty);
        Assert.Equal("hello", Encoding.UTF8.GetString(((VfsFile)copy.Find("/docs/readme.txt")!).Content));
        Assert.Equal(mtime, copy.Find("counter")!.ModifyTimeNs);
        Assert.IsType<VfsDirectory>(copy.Find("empty"));
        Assert.Equal(vfs.UsedBytes, copy.UsedBytes);
        Assert.Equal(vfs.EntryCount, copy.EntryCount);
    }

    [Fact]
    public void Corrupt_snapshot_is_refused()
    {
        var snapshot = new Vfs().ToSnapshot();
        snapshot[0] = (byte)'X';

        Assert.Throws<InvalidDataException>(() => Vfs.FromSnapshot(snapshot));
    }

    [Fact]
    public void Writes_mark_the_tree_dirty()
    {
        var vfs = Vfs.FromSnapshot(new Vfs().ToSnapshot());
        Assert.False(vfs.IsDirty);

        Assert.True(vfs.TryWriteFile("x", "1"u8, out _));

        Assert.True(vfs.IsDirty);
    }

    [Fact]
    public void Host_directory_load_and_save_mirror_each_other()
    {
        var source = Directory.CreateTempSubdirectory("vfs-src").FullName;
        var target = Directory.CreateTempSubdirectory("vfs-dst").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(source, "sub"));
            File.WriteAllText(Path.Combine(source, "sub", "f.txt"), "content");
            File.WriteAllText(Path.Combine(target, "stale.txt"), "old");

            var vfs = VfsHostDirectory.Load(source);
            Assert.True(vfs.TryWriteFile("new.txt", "n"u8, out _));
            VfsHostDirectory.Save(vfs, target);

            Assert.Equal("content", File.ReadAllText(Path.Combine(target, "sub", "f.txt")));
            Assert.Equal("n", File.ReadAllText(Path.Combine(target, "new.txt")));
            Assert.False(File.Exists(Path.Combine(target, "stale.txt")));
        }
        finally
        {
            Directory.Delete(source, true);
            Directory.Delete(target, true);
        }
    }
}
