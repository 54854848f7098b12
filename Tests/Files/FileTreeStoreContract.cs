using System.Text;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Files;

namespace MyOwnCluster.Tests.Files;

/// <summary>
/// What every <see cref="IFileTreeStore"/> must do, run against a real engine by each subclass: trees saved per file
/// and read back lazily, contents shared and collected, saves all-or-nothing and refused over a newer version.
/// </summary>
public abstract class FileTreeStoreContract
{
    protected abstract IFileTreeStore Store { get; }

    /// <summary>Number of stored contents (all trees).</summary>
    protected abstract long ContentCount();

    /// <summary>Makes the engine refuse, mid-transaction, to write a node row with this name.</summary>
    protected abstract Task RefuseNodesNamedAsync(string name);

    [Fact]
    public async Task A_saved_tree_reopens_with_its_files_directories_times_and_totals()
    {
        var tree = NewTree();
        var vfs = Vfs.Open(Store, tree);
        Assert.True(vfs.TryWriteFile("docs/readme.txt", "hello"u8, out _));
        Assert.True(vfs.TryWriteFile("empty", ""u8, out _));
        Assert.Equal(WasiErrno.Success, vfs.CreateDirectory(vfs.Root, "dir", out _));
        var mtime = vfs.Find("docs/readme.txt")!.ModifyTimeNs;
        Assert.True(await vfs.SaveAsync(Store, tree));

        var reopened = Vfs.Open(Store, tree);

        Assert.Equal(1, reopened.Version);
        Assert.Equal((5L, 4), (reopened.UsedBytes, reopened.EntryCount));
        Assert.Equal("hello", Text(reopened, "docs/readme.txt"));
        Assert.Equal(mtime, reopened.Find("docs/readme.txt")!.ModifyTimeNs);
        Assert.Equal("", Text(reopened, "empty"));
        Assert.Equal(["dir", "docs", "empty"], reopened.Root.Children.Keys.Order(StringComparer.Ordinal));
        Assert.False(reopened.IsDirty);
    }

    [Fact]
    public async Task Opening_one_file_reads_its_path_and_its_bytes_only()
    {
        var tree = NewTree();
        var vfs = Vfs.Open(Store, tree);
        for (var i = 0; i < 200; i++)
        {
            Assert.True(vfs.TryWriteFile($"many/file-{i}", Encoding.UTF8.GetBytes($"content {i}"), out _));
        }

        Assert.True(vfs.TryWriteFile("big", new byte[1 << 20], out _));
        Assert.True(await vfs.SaveAsync(Store, tree));
        var counting = new CountingStore(Store);

        var reopened = Vfs.Open(counting, tree);

        Assert.Equal("content 17", Text(reopened, "many/file-17"));
        Assert.Equal(0, counting.Lists);
        Assert.Equal(1, counting.ContentReads);
        Assert.Equal(3, counting.Finds); // the root, "many", "file-17"
    }

    [Fact]
    public async Task A_save_writes_only_the_rows_that_changed()
    {
        var tree = NewTree();
        var vfs = Vfs.Open(Store, tree);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(vfs.TryWriteFile($"file-{i}", "x"u8, out _));
        }

        Assert.True(await vfs.SaveAsync(Store, tree));
        var counting = new CountingStore(Store);
        var reopened = Vfs.Open(counting, tree);

        Assert.True(reopened.TryWriteFile("file-3", "changed"u8, out _));
        Assert.True(reopened.TryWriteFile("new", "n"u8, out _));
        Assert.True(await reopened.SaveAsync(counting, tree));

        var commit = Assert.Single(counting.Commits);
        Assert.Equal(["", "file-3", "new"], commit.Upserts.Select(row => row.Name).Order(StringComparer.Ordinal));
        Assert.Empty(commit.Deletes);
        Assert.Equal((57L, 51), (commit.UsedBytes, commit.EntryCount));
        Assert.Equal("changed", Text(Vfs.Open(Store, tree), "file-3"));
    }

    [Fact]
    public async Task Identical_contents_are_stored_once_and_dropped_once_nothing_references_them()
    {
        var before = ContentCount();
        var content = Encoding.UTF8.GetBytes("shared " + Guid.NewGuid());
        var (first, second) = (NewTree(), NewTree());
        foreach (var tree in new[] { first, second })
        {
            var vfs = Vfs.Open(Store, tree);
            Assert.True(vfs.TryWriteFile("a", content, out _));
            Assert.True(vfs.TryWriteFile("sub/b", content, out _));
            Assert.True(await vfs.SaveAsync(Store, tree));
        }

        Assert.Equal(before + 1, ContentCount());
        var firstTree = Vfs.Open(Store, first);
        Assert.True(firstTree.Delete("a"));
        Assert.True(firstTree.Delete("sub"));
        Assert.True(await firstTree.SaveAsync(Store, first));
        Assert.Equal(before + 1, ContentCount());
        Assert.Equal(Encoding.UTF8.GetString(content), Text(Vfs.Open(Store, second), "sub/b"));

        var secondTree = Vfs.Open(Store, second);
        Assert.True(secondTree.TryWriteFile("a", "other"u8, out _));
        Assert.True(secondTree.Delete("sub/b"));
        Assert.True(await secondTree.SaveAsync(Store, second));
        Assert.Equal(before + 1, ContentCount()); // "other" in, the shared bytes out
        Assert.Null(Store.ReadContent(TechIds.Of(content)));
    }

    [Fact]
    public async Task A_save_over_a_tree_changed_since_it_was_read_is_refused_and_changes_nothing()
    {
        var tree = NewTree();
        var vfs = Vfs.Open(Store, tree);
        Assert.True(vfs.TryWriteFile("f", "0"u8, out _));
        Assert.True(await vfs.SaveAsync(Store, tree));
        var (one, two) = (Vfs.Open(Store, tree), Vfs.Open(Store, tree));

        Assert.True(one.TryWriteFile("f", "one"u8, out _));
        Assert.True(await one.SaveAsync(Store, tree));
        Assert.True(two.TryWriteFile("f", "two"u8, out _));
        Assert.True(two.TryWriteFile("g", "two"u8, out _));

        Assert.False(await two.SaveAsync(Store, tree));
        var stored = Vfs.Open(Store, tree);
        Assert.Equal(2, stored.Version);
        Assert.Equal("one", Text(stored, "f"));
        Assert.Null(stored.Find("g"));
    }

    [Fact]
    public async Task A_store_failing_in_the_middle_of_a_save_applies_none_of_it()
    {
        var tree = NewTree();
        var vfs = Vfs.Open(Store, tree);
        Assert.True(vfs.TryWriteFile("kept", "before"u8, out _));
        Assert.True(await vfs.SaveAsync(Store, tree));
        await RefuseNodesNamedAsync("poison");
        var contents = ContentCount();

        var failing = Vfs.Open(Store, tree);
        Assert.True(failing.TryWriteFile("kept", "after"u8, out _));
        Assert.True(failing.TryWriteFile("a/first", Encoding.UTF8.GetBytes("new " + Guid.NewGuid()), out _));
        Assert.True(failing.TryWriteFile("poison", "p"u8, out _));
        Assert.True(failing.TryWriteFile("z/last", Encoding.UTF8.GetBytes("new " + Guid.NewGuid()), out _));
        await Assert.ThrowsAnyAsync<Exception>(() => failing.SaveAsync(Store, tree));

        var stored = Vfs.Open(Store, tree);
        Assert.Equal((1L, 6L, 1), (stored.Version, stored.UsedBytes, stored.EntryCount));
        Assert.Equal("before", Text(stored, "kept"));
        Assert.Equal(["kept"], stored.Root.Children.Keys);
        Assert.Equal(contents, ContentCount());
    }

    [Fact]
    public async Task Renames_moves_and_removed_directories_are_saved()
    {
        var tree = NewTree();
        var vfs = Vfs.Open(Store, tree);
        Assert.True(vfs.TryWriteFile("a/b/one", "1"u8, out _));
        Assert.True(vfs.TryWriteFile("a/b/two", "22"u8, out _));
        Assert.True(vfs.TryWriteFile("gone/deep/three", "333"u8, out _));
        Assert.True(vfs.TryWriteFile("x", "x"u8, out _));
        Assert.True(await vfs.SaveAsync(Store, tree));

        var edit = Vfs.Open(Store, tree);
        Assert.Equal(WasiErrno.Success, Vfs.Walk(edit.Root, "a/b", out var from, out var fromName, out _));
        edit.Move(from, fromName!, edit.Root, "moved");
        edit.Move(edit.Root, "x", (VfsDirectory)edit.Find("moved")!, "one");
        Assert.True(edit.Delete("gone"));
        Assert.True(await edit.SaveAsync(Store, tree));

        var stored = Vfs.Open(Store, tree);
        Assert.Equal(["a", "moved"], stored.Root.Children.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(((VfsDirectory)stored.Find("a")!).Children);
        Assert.Equal("x", Text(stored, "moved/one"));
        Assert.Equal("22", Text(stored, "moved/two"));
        Assert.Equal((3L, 4), (stored.UsedBytes, stored.EntryCount));
        Assert.Null(Store.ReadContent(TechIds.Of("333"u8)));
    }

    [Fact]
    public async Task Replacing_a_tree_drops_what_it_held()
    {
        var tree = NewTree();
        var unique = Encoding.UTF8.GetBytes("old " + Guid.NewGuid());
        var vfs = Vfs.Open(Store, tree);
        Assert.True(vfs.TryWriteFile("old/file", unique, out _));
        Assert.True(await vfs.SaveAsync(Store, tree));
        var snapshot = new Vfs();
        Assert.True(snapshot.TryWriteFile("new/file", "new"u8, out _));

        await Vfs.FromSnapshot(snapshot.ToSnapshot()).ReplaceAsync(Store, tree);

        var stored = Vfs.Open(Store, tree);
        Assert.Equal(2, stored.Version);
        Assert.Equal(["new"], stored.Root.Children.Keys);
        Assert.Equal("new", Text(stored, "new/file"));
        Assert.Null(Store.ReadContent(TechIds.Of(unique)));
        Assert.Equal(snapshot.ToSnapshot(), stored.ToSnapshot());
    }

    [Fact]
    public async Task Quotas_count_the_stored_tree_without_reading_it()
    {
        var tree = NewTree();
        var vfs = Vfs.Open(Store, tree);
        Assert.True(vfs.TryWriteFile("a", new byte[8], out _));
        Assert.True(await vfs.SaveAsync(Store, tree));

        var reopened = Vfs.Open(Store, tree, new VfsQuota(MaxBytes: 10, MaxEntries: 2));

        Assert.False(reopened.TryWriteFile("b", new byte[3], out var error));
        Assert.Contains("quota", error);
        Assert.True(reopened.Delete("a"));
        Assert.True(reopened.TryWriteFile("b", new byte[10], out _));
        Assert.True(await reopened.SaveAsync(Store, tree));
        var stored = Vfs.Open(Store, tree);
        Assert.Equal((10L, 1), (stored.UsedBytes, stored.EntryCount));
    }

    [Fact]
    public async Task Symbolic_and_hard_links_are_saved_and_a_hard_linked_file_stays_one_file()
    {
        var tree = NewTree();
        var vfs = Vfs.Open(Store, tree);
        Assert.True(vfs.TryWriteFile("data/original", "first"u8, out _));
        Assert.True(vfs.TryWriteFile("other/keep", "k"u8, out _));
        var data = (VfsDirectory)vfs.Find("data")!;
        var other = (VfsDirectory)vfs.Find("other")!;
        Assert.Equal(WasiErrno.Success, vfs.Link(data, "original", (VfsFile)vfs.Find("data/original")!, other, "second-name"));
        Assert.Equal(WasiErrno.Success, vfs.CreateSymlink(vfs.Root, "shortcut", "data/original", out _));
        Assert.Equal(WasiErrno.Success, vfs.CreateSymlink(vfs.Root, "dangling", "nowhere", out _));
        Assert.True(await vfs.SaveAsync(Store, tree));

        // Read back through the second name first: the file is found through its link row, then the first name is the same file.
        var reopened = Vfs.Open(Store, tree);
        var viaLink = (VfsFile)reopened.Find("other/second-name")!;
        Assert.Same(viaLink, reopened.Find("data/original"));
        Assert.Same(viaLink, reopened.Find("shortcut"));
        Assert.Equal(2, viaLink.LinkCount);
        Assert.Equal("nowhere", Assert.IsType<VfsSymlink>(((VfsDirectory)reopened.Find("")!).Children["dangling"]).Target);
        Assert.Null(reopened.Find("dangling"));
        // File bytes plus the links' targets ("data/original", "nowhere").
        Assert.Equal((6L + 13 + 7, 7), (reopened.UsedBytes, reopened.EntryCount));
        var second = Encoding.UTF8.GetBytes("second " + Guid.NewGuid());
        Assert.True(reopened.TryWriteFile("shortcut", second, out _));
        Assert.True(await reopened.SaveAsync(Store, tree));

        var edited = Vfs.Open(Store, tree);
        Assert.Equal(second, ((VfsFile)edited.Find("other/second-name")!).Content.ToArray());
        Assert.Equal(WasiErrno.Success, Vfs.Walk(edited.Root, "data/original", out var parent, out var name, out _));
        edited.Remove(parent, name!);
        Assert.True(await edited.SaveAsync(Store, tree));

        var afterUnlink = Vfs.Open(Store, tree);
        Assert.Null(afterUnlink.Find("shortcut"));
        var last = (VfsFile)afterUnlink.Find("other/second-name")!;
        Assert.Equal(second, last.Content.ToArray());
        Assert.Equal(1, last.LinkCount);
        Assert.Equal((second.Length + 1L + 20, 6), (afterUnlink.UsedBytes, afterUnlink.EntryCount));
        Assert.True(afterUnlink.Delete("other"));
        Assert.True(await afterUnlink.SaveAsync(Store, tree));

        var emptied = Vfs.Open(Store, tree);
        Assert.Null(Store.ReadContent(TechIds.Of(second)));
        Assert.Equal((20L, 3), (emptied.UsedBytes, emptied.EntryCount));
        Assert.Equal(["dangling", "data", "shortcut"], emptied.Root.Children.Keys.Order(StringComparer.Ordinal));
        Assert.True(emptied.Delete("shortcut"));
        Assert.IsType<VfsDirectory>(emptied.Find("data"));
        Assert.Equal(7L, emptied.UsedBytes);
    }

    [Fact]
    public async Task A_tree_with_links_exports_as_snapshot_version_2_and_imports_back()
    {
        var plain = new Vfs();
        Assert.True(plain.TryWriteFile("a", "a"u8, out _));
        Assert.Equal(1, plain.ToSnapshot()[6]);

        var vfs = new Vfs();
        Assert.True(vfs.TryWriteFile("dir/file", "shared"u8, out _));
        Assert.Equal(WasiErrno.Success, vfs.Link((VfsDirectory)vfs.Find("dir")!, "file", (VfsFile)vfs.Find("dir/file")!, vfs.Root, "alias"));
        Assert.Equal(WasiErrno.Success, vfs.CreateSymlink(vfs.Root, "link", "dir/file", out _));
        var snapshot = vfs.ToSnapshot();
        Assert.Equal(2, snapshot[6]);

        var tree = NewTree();
        await Vfs.FromSnapshot(snapshot).ReplaceAsync(Store, tree);

        var stored = Vfs.Open(Store, tree);
        Assert.Same(stored.Find("alias"), stored.Find("dir/file"));
        Assert.Equal("dir/file", Assert.IsType<VfsSymlink>(stored.Root.Children["link"]).Target);
        Assert.Equal("shared", Text(stored, "link"));
        Assert.Equal(snapshot, stored.ToSnapshot());
    }

    protected static string NewTree() => "tree-" + Guid.NewGuid().ToString("N");

    private static string Text(Vfs vfs, string path) => Encoding.UTF8.GetString(((VfsFile)vfs.Find(path)!).Content);

    /// <summary>The real store, counting what is read and keeping what is committed.</summary>
    private sealed class CountingStore(IFileTreeStore inner) : IFileTreeStore
    {
        public int Finds { get; private set; }

        public int Lists { get; private set; }

        public int ContentReads { get; private set; }

        public List<FileTreeCommit> Commits { get; } = [];

        public FileTreeHead ReadHead(string tree) => inner.ReadHead(tree);

        public FileNodeRow? Find(string tree, long parent, string name)
        {
            Finds++;
            return inner.Find(tree, parent, name);
        }

        public IReadOnlyList<FileNodeRow> List(string tree, long parent)
        {
            Lists++;
            return inner.List(tree, parent);
        }

        public byte[]? ReadContent(string hash)
        {
            ContentReads++;
            return inner.ReadContent(hash);
        }

        public Task<long> CommitAsync(string tree, FileTreeCommit commit)
        {
            Commits.Add(commit);
            return inner.CommitAsync(tree, commit);
        }
    }
}
