namespace MyOwnCluster.Buffers;

/// <summary>Reads a body that is handed out a chunk at a time (a buffer grain, a body left on another silo) into one array.</summary>
public static class ChunkedBody
{
    /// <summary>
    /// The <paramref name="chunks"/> chunks of a body of <paramref name="length"/> bytes, copied one after the other into
    /// an array of that length; null when a chunk is missing or they do not add up to the length (the body changed or
    /// its holder dropped it). Only one chunk is held besides the result.
    /// </summary>
    public static async Task<byte[]?> ReadAsync(long length, int chunks, Func<int, Task<byte[]?>> readChunk)
    {
        var body = new byte[length];
        var at = 0;
        for (var index = 0; index < chunks; index++)
        {
            var chunk = await readChunk(index);
            if (chunk is null || at + chunk.Length > body.Length)
            {
                return null;
            }

            chunk.CopyTo(body, at);
            at += chunk.Length;
        }

        return at == body.Length ? body : null;
    }
}
