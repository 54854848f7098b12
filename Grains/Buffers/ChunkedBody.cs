namespace MyOwnCluster.Buffers;

/// <summary>Reads a body that is handed out a chunk at a time (a buffer grain, a body left on another silo) into one array.</summary>
public static class ChunkedBody
{
    /// <summary>
    /// The <paramref name="chunks"/> chunks of a body of <paramref name="length"/> bytes, copied one after the other into
    /// an array of that length; null when a chunk is missing or they do not add up to the length (the body changed or
    /// its holder dropped it). Up to <paramref name="ahead"/> further chunks are asked for while one is copied (a round
    /// trip each), so at most that many more are held besides the result.
    /// </summary>
    public static async Task<byte[]?> ReadAsync(long length, int chunks, Func<int, Task<byte[]?>> readChunk, int ahead = 0)
    {
        var body = new byte[length];
        var at = 0;
        var pending = new Queue<Task<byte[]?>>();
        var asked = 0;
        for (var index = 0; index < chunks; index++)
        {
            while (asked < chunks && pending.Count <= ahead)
            {
                pending.Enqueue(readChunk(asked++));
            }

            var chunk = await pending.Dequeue();
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
