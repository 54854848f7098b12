using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Security;

/// <summary>Attack: an empty <c>admin-token</c> file was accepted as the token (any short one too).</summary>
public sealed class AdminTokenTests
{
    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("short-token\n")]
    public async Task An_empty_or_short_admin_token_file_stops_the_server_with_a_clear_error(string content)
    {
        var data = TempDirectory.Create("moc-token-weak");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(data, "admin-token"), content);
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                ServerProcess.StartAsync(data, new Dictionary<string, string> { ["MOC_ADMIN_TOKEN"] = "" }));
            Assert.Contains("server exited with 2", refused.Message);
            Assert.Contains("admin token", refused.Message);
            Assert.Contains("at least 32 characters", refused.Message);
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }

    [Fact]
    public async Task A_short_MOC_ADMIN_TOKEN_is_refused_too()
    {
        var data = TempDirectory.Create("moc-token-env");
        try
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                ServerProcess.StartAsync(data, new Dictionary<string, string> { ["MOC_ADMIN_TOKEN"] = "hunter2" }));
            Assert.Contains("MOC_ADMIN_TOKEN", refused.Message);
            Assert.Contains("at least 32 characters", refused.Message);
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }
}
