using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Gateway.Api;

/// <summary>Admins' view of a function's durable file tree (what its posix programs see as <c>/</c>).</summary>
public static class FileSystemEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/function/{name}/fs/{**path}", GetAsync);
        api.MapPut("/function/{name}/fs/{**path}", PutAsync);
        api.MapDelete("/function/{name}/fs/{**path}", DeleteAsync);
    }

    private static async Task<IResult> GetAsync(string name, string? path, IGrainFactory grains, GrainFileSystemProvider trees)
    {
        name = await ExistingFunctionAsync(grains, name);
        var tree = await trees.LoadAsync(name);
        return tree.Find(ValidPath(path)) switch
        {
            VfsFile file => Results.Bytes(file.Content.ToArray(), "application/octet-stream"),
            VfsDirectory directory => ApiJson.Ok(directory.Children
                .OrderBy(entry => entry.Key, StringComparer.Ordinal)
                .Select(entry => new FileEntry(entry.Key, entry.Value switch
                {
                    VfsDirectory => "directory",
                    VfsSymlink => "symlink",
                    _ => "file",
                }, entry.Value.Size))),
            _ => ApiJson.Error(404, $"'{path}' does not exist in the files of '{name}'"),
        };
    }

    private static async Task<IResult> PutAsync(string name, string? path, HttpRequest request, IGrainFactory grains, GrainFileSystemProvider trees)
    {
        name = await ExistingFunctionAsync(grains, name);
        path = ValidPath(path);
        if (path.Length == 0)
        {
            throw new ApiException(400, "a file path is required");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        var tree = await trees.LoadAsync(name);
        var outcome = tree.WriteFile(path, body.GetBuffer().AsSpan(0, (int)body.Length), out var error);
        if (outcome != VfsWriteOutcome.Written)
        {
            return ApiJson.Error(outcome == VfsWriteOutcome.OverQuota ? 507 : 400, $"cannot write '{path}': {error}");
        }

        await SaveAsync(trees, name, tree);
        return ApiJson.Ok(new FileEntry(path, "file", body.Length));
    }

    private static async Task<IResult> DeleteAsync(string name, string? path, IGrainFactory grains, GrainFileSystemProvider trees)
    {
        name = await ExistingFunctionAsync(grains, name);
        path = ValidPath(path);
        var tree = await trees.LoadAsync(name);
        switch (tree.Find(path))
        {
            case null:
                return ApiJson.Error(404, $"'{path}' does not exist in the files of '{name}'");
            case VfsDirectory { Count: > 0 } or VfsDirectory when path.Length == 0:
                return ApiJson.Error(409, $"'{path}' is a directory that is not empty (or the root)");
        }

        tree.Delete(path);
        await SaveAsync(trees, name, tree);
        return ApiJson.Ok(new { deleted = path });
    }

    private static async Task SaveAsync(GrainFileSystemProvider trees, string name, Vfs tree)
    {
        if (!await trees.TrySaveAsync(name, tree))
        {
            throw new ApiException(409, "the files changed while this edit was made; nothing was changed, try again");
        }
    }

    private static async Task<string> ExistingFunctionAsync(IGrainFactory grains, string name)
    {
        name = Uri.UnescapeDataString(name);
        return await grains.GetGrain<IFunctionGrain>(name).GetAsync() is null
            ? throw new ApiException(404, $"no function named '{name}'")
            : name;
    }

    /// <summary>'/'-separated, relative to the tree's root; '.' and '..' segments are refused rather than resolved.</summary>
    private static string ValidPath(string? path)
    {
        var segments = Uri.UnescapeDataString(path ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(segment => segment is "." or ".." || segment.Contains('\0')))
        {
            throw new ApiException(400, $"invalid path '{path}': '.' and '..' segments are not allowed");
        }

        return string.Join('/', segments);
    }
}
