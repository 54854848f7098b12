using MyOwnCluster.Buffers;
using MyOwnCluster.Gateway.Plugs;
using MyOwnCluster.Routing;

namespace MyOwnCluster.Tests.Unit;

public sealed class FilterSetTests
{
    [Fact]
    public void Filters_apply_by_pattern_in_registration_order_and_none_is_null()
    {
        var set = new FilterSet(new FilterTableSnapshot(3,
        [
            new Filter("a", "f", "_start", "", ["/admin/*rest"]),
            new Filter("b", "f", "_start", "", []),
            new Filter("c", "f", "_start", "", ["/users/!id", "/exact"]),
        ]));

        Assert.Equal(["a", "b"], set.For("/admin")!.Select(f => f.Id));
        Assert.Equal(["a", "b"], set.For("/admin/x/y")!.Select(f => f.Id));
        Assert.Equal(["b", "c"], set.For("/users/42")!.Select(f => f.Id));
        Assert.Equal(["b"], set.For("/users/42/more")!.Select(f => f.Id));
        Assert.False(set.IsEmpty);
        Assert.Null(new FilterSet(new FilterTableSnapshot(1, [new Filter("d", "f", "_start", "", ["/only"])])).For("/other"));
        Assert.True(new FilterSet(new FilterTableSnapshot(0, [])).IsEmpty);
    }

    [Theory]
    [InlineData("no-slash")]
    [InlineData("/a/*rest/b")]
    [InlineData("/my-own-cluster/api/x")]
    [InlineData("/healthz")]
    [InlineData(" ")]
    public void Invalid_or_reserved_paths_are_refused(string path) =>
        Assert.Throws<ArgumentException>(() => FilterRules.NormalizePaths([path]));

    [Fact]
    public void Paths_are_normalized_and_deduplicated() =>
        Assert.Equal(["/a/b", "/c/*rest"], FilterRules.NormalizePaths(["/a//b/", "/c/*rest", "/a/b"]));

    [Fact]
    public void The_map_encoding_round_trips_and_malformed_maps_are_null()
    {
        var map = ExchangeBuffer.EncodeMap([new("x-a", "1"), new("x-b", "")]);

        Assert.Equal([new("x-a", "1"), new("x-b", "")], ExchangeBuffer.DecodeMap(map)!);
        Assert.Null(ExchangeBuffer.DecodeMap(map.AsSpan(0, map.Length - 1)));
        Assert.Null(ExchangeBuffer.DecodeMap([3, 0, 0, 0]));
        Assert.Null(ExchangeBuffer.DecodeMap([1, 2]));
        Assert.Empty(ExchangeBuffer.DecodeMap([0, 0, 0, 0])!);
    }
}
