using MyOwnCluster.Execution.Wasm.Components;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Tests.Components;

/// <summary>The durable tree copied out for a component call and the call's changes carried back, on real directories.</summary>
public sealed class ComponentTreeTests
{
    [Fact]
    public void The_preamble_tells_a_component_from_a_core_module()
    {
        Assert.True(ComponentBinary.IsComponent([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]));
        Assert.False(ComponentBinary.IsComponent([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
        Assert.False(ComponentBinary.IsComponent([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00]));
        Assert.False(ComponentBinary.IsComponent("#!/bin/sh\nexit 0\n"u8));
    }

    [Fact]
    public void Changes_made_in_the_host_directory_land_in_the_tree_and_untouched_files_stay_as_they_were()
    {
        var tree = new Vfs();
        Assert.True(tree.TryWriteFile("keep.txt", "kept"u8, out _));
        Assert.True(tree.TryWriteFile("edit.txt", "before"u8, out _));
        Assert.True(tree.TryWriteFile("gone/inner.txt", "bye"u8, out _));
        Assert.True(tree.TryWriteFile("becomes-dir", "file"u8, out _));
        var keptInode = tree.Find("keep.txt")!.Inode;
        tree.MarkClean();

        using var materialized = ComponentTree.Materialize(tree, "stdin bytes"u8);
        Assert.Equal("stdin bytes", File.ReadAllText(materialized.StdinPath));
        Assert.Equal("before", File.ReadAllText(Path.Combine(materialized.RootPath, "edit.txt")));
        Assert.Equal("bye", File.ReadAllText(Path.Combine(materialized.RootPath, "gone", "inner.txt")));

        File.WriteAllText(Path.Combine(materialized.RootPath, "edit.txt"), "after, longer");
        Directory.Delete(Path.Combine(materialized.RootPath, "gone"), recursive: true);
        File.Delete(Path.Combine(materialized.RootPath, "becomes-dir"));
        Directory.CreateDirectory(Path.Combine(materialized.RootPath, "becomes-dir", "deeper"));
        File.WriteAllText(Path.Combine(materialized.RootPath, "becomes-dir", "deeper", "new.txt"), "new");
        File.CreateSymbolicLink(Path.Combine(materialized.RootPath, "link"), "keep.txt");

        Assert.True(materialized.TryWriteBack(tree, out var error), error);
        Assert.True(tree.IsDirty);
        Assert.Equal("kept", Content(tree, "keep.txt"));
        Assert.Equal(keptInode, tree.Find("keep.txt")!.Inode);
        Assert.Equal("after, longer", Content(tree, "edit.txt"));
        Assert.Null(tree.Find("gone"));
        Assert.IsType<VfsDirectory>(tree.Find("becomes-dir"));
        Assert.Equal("new", Content(tree, "becomes-dir/deeper/new.txt"));
        Assert.Null(tree.Find("link"));
        Assert.Equal(["/link"], materialized.SkippedLinks);
    }

    [Fact]
    public void A_call_that_leaves_more_than_the_quota_changes_nothing()
    {
        var tree = new Vfs(new VfsQuota(MaxBytes: 100, MaxEntries: 10));
        Assert.True(tree.TryWriteFile("small.txt", "small"u8, out _));
        tree.MarkClean();

        using var materialized = ComponentTree.Materialize(tree, []);
        File.WriteAllBytes(Path.Combine(materialized.RootPath, "big.bin"), new byte[200]);
        File.WriteAllText(Path.Combine(materialized.RootPath, "small.txt"), "changed");

        Assert.False(materialized.TryWriteBack(tree, out var error));
        Assert.Contains("quota", error);
        Assert.False(tree.IsDirty);
        Assert.Null(tree.Find("big.bin"));
        Assert.Equal("small", Content(tree, "small.txt"));
    }

    [Fact]
    public void The_host_directory_is_private_and_removed_after_the_call()
    {
        string root;
        using (var materialized = ComponentTree.Materialize(new Vfs(), []))
        {
            root = materialized.RootPath;
            var callDirectory = Path.GetDirectoryName(root)!;
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(callDirectory));
        }

        Assert.False(Directory.Exists(root));
    }

    private static string Content(Vfs tree, string path) =>
        System.Text.Encoding.UTF8.GetString(((VfsFile)tree.Find(path)!).Content);
}
