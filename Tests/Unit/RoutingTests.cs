using MyOwnCluster.Routing;

namespace MyOwnCluster.Tests.Unit;

public class RoutingTests
{
    private static RouteMatcher Table(params string[] paths) =>
        new(new RouteTableSnapshot(1, paths.Select(p => new Plug("GET", p, PlugTarget.Function, p, "_start", "")).ToArray()));

    [Theory]
    [InlineData("/a/b/c", "/a/b/c")]
    [InlineData("/a/x/c", "/a/!p/c")]
    [InlineData("/a/b/z", "/a/b/!q")]
    [InlineData("/a/q/r/s", "/a/*rest")]
    [InlineData("/other", "/!only")]
    public void The_most_specific_pattern_wins(string path, string expected)
    {
        var table = Table("/a/*rest", "/a/!p/c", "/a/b/!q", "/a/b/c", "/!only");
        Assert.Equal(expected, table.Match("GET", path)!.Plug.Path);
    }

    [Fact]
    public void A_literal_beats_a_parameter_wherever_it_sits()
    {
        // /x/!b/lit vs /x/lit2/!c: the first difference is segment 1, where a literal wins.
        var table = Table("/x/!b/lit", "/x/lit2/!c");
        Assert.Equal("/x/lit2/!c", table.Match("GET", "/x/lit2/lit")!.Plug.Path);
    }

    [Fact]
    public void Parameters_and_catch_all_are_captured()
    {
        var match = Table("/u/!id/f/*path").Match("GET", "/u/7/f/a/b/c.txt")!;
        Assert.Equal([new("id", "7"), new("path", "a/b/c.txt")], match.Parameters);
    }

    [Fact]
    public void Method_must_match_and_an_exact_method_beats_any()
    {
        var table = new RouteMatcher(new RouteTableSnapshot(1,
        [
            new Plug("*", "/m", PlugTarget.Function, "any", "_start", ""),
            new Plug("POST", "/m", PlugTarget.Function, "post", "_start", ""),
            new Plug("PUT", "/only-put", PlugTarget.Function, "put", "_start", ""),
        ]));
        Assert.Equal("post", table.Match("POST", "/m")!.Plug.Name);
        Assert.Equal("any", table.Match("GET", "/m")!.Plug.Name);
        Assert.Null(table.Match("GET", "/only-put"));
    }

    [Theory]
    [InlineData("/a/b", "/a")]
    [InlineData("/a", "/a/b")]
    [InlineData("/", "/a")]
    public void Paths_of_another_length_do_not_match_without_a_catch_all(string pattern, string path) =>
        Assert.Null(Table(pattern).Match("GET", path));

    [Theory]
    [InlineData("relative")]
    [InlineData("/a/../b")]
    [InlineData("/a/*rest/more")]
    [InlineData("/a/!")]
    public void Invalid_patterns_are_refused(string path) => Assert.Null(RoutePattern.TryParse(path, out _));
}
