namespace MyOwnCluster.Cli.Commands;

/// <summary>Reads a local file the user named, turning the usual I/O failures into clear messages.</summary>
internal static class LocalFile
{
    public static async Task<byte[]> ReadAsync(string path, CancellationToken ct)
    {
        try
        {
            return await File.ReadAllBytesAsync(path, ct);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"file not found: {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {path}: {e.Message}");
        }
    }
}
