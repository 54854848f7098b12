using MyOwnCluster.Buffers;

namespace MyOwnCluster.Tests.Unit;

public class ExchangeBufferTests
{
    [Fact]
    public void Map_encoding_counts_strings_and_prefixes_lengths()
    {
        var encoded = ExchangeBuffer.EncodeMap([new("a", "xyz")]);
        Assert.Equal(new byte[] { 2, 0, 0, 0, 1, 0, 0, 0, (byte)'a', 3, 0, 0, 0, (byte)'x', (byte)'y', (byte)'z' }, encoded);
    }

    [Fact]
    public void Headers_compare_case_insensitively_by_lowercasing()
    {
        var buffer = new ExchangeBuffer();
        buffer.SetHeader("Content-Type", "text/plain");
        buffer.SetHeader("content-type", "text/html");
        Assert.Single(buffer.Headers);
        Assert.Equal("text/html", buffer.Headers["content-type"]);
    }

    [Fact]
    public void Append_grows_and_reads_do_not_consume()
    {
        var buffer = new ExchangeBuffer("ab"u8);
        buffer.TryAppend(new byte[1000]);
        Assert.Equal(1002, buffer.Length);
        Assert.Equal(buffer.Body.ToArray(), buffer.Body.ToArray());
        Assert.Equal((byte)'a', buffer.Body[0]);
    }
}
