using System.Diagnostics;
using MyOwnCluster.Tests.Samples;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Cli;

/// <summary>moc as users get it: installed as a .NET tool by the documented script, and its help.</summary>
[Collection(RepositoryBuildCollection.Name)]
public sealed class CliToolTests
{
    private static readonly string[] EveryCommand =
    [
        "push", "call", "rm", "plug", "unplug", "filter", "upload", "upload-dir", "list", "kv", "export", "import", "backup",
        "schedule", "map-reduce", "version", "status", "kvm-check", "fs", "logs", "new",
    ];

    [Fact]
    public async Task Help_lists_every_command_and_the_subcommands_of_each_group()
    {
        var help = await CliRunner.RunWithEnvironmentAsync(null, "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.All(EveryCommand, command => Assert.Matches($@"(?m)^\s+{command}[ ,<]", help.Stdout));
        Assert.Contains("[add, ls, show, rm, run]", help.Stdout);
        Assert.Contains("[now, ls]", help.Stdout);
    }

    [Fact]
    public void Scripts_install_cli_installs_moc_as_a_dotnet_tool_that_answers_help()
    {
        var toolPath = TempDirectory.Create("moc-tool");
        try
        {
            var install = FreshClone.Run("bash", SampleToolchain.RepositoryRoot, "scripts/install-cli", "--tool-path", toolPath);
            Assert.Contains("successfully installed", install);

            using var moc = Process.Start(new ProcessStartInfo(Path.Combine(toolPath, "moc"), ["--help"]) { RedirectStandardOutput = true })!;
            var help = moc.StandardOutput.ReadToEnd();
            moc.WaitForExit();

            Assert.Equal(0, moc.ExitCode);
            Assert.Contains("logs <NAME>", help);
            Assert.Contains("new <NAME>", help);
        }
        finally
        {
            TempDirectory.Delete(toolPath);
        }
    }
}
