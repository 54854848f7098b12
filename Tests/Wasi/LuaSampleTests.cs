using System.Diagnostics;
using System.Text;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Tests.Wasi;

/// <summary>
/// Lua 5.4 from Debian's source package, built for WASI by Samples/lua/build.sh during the test (clang + wasi-libc),
/// running a script from the function's tree in posix mode.
/// </summary>
public sealed class LuaSampleTests(WasiTestHost host) : IClassFixture<WasiTestHost>
{
    private const string Script = """
        local name = arg[1] or "nobody"
        local input = io.read("a")
        local count = 0
        local file = io.open("visits", "r")
        if file then count = tonumber(file:read("a")); file:close() end
        count = count + 1
        file = assert(io.open("visits", "w"))
        file:write(tostring(count))
        file:close()
        local words = {}
        for word in input:gmatch("%a+") do words[#words + 1] = word:upper() end
        table.sort(words)
        print(string.format("%s says hello to %s (visit %d): %s", _VERSION, name, count, table.concat(words, ",")))
        os.exit(count == 2 and 5 or 0)
        """;

    private static readonly Lazy<byte[]> Interpreter = new(Build);

    [ClangFact]
    public async Task Lua_built_from_debian_source_runs_a_script_from_the_tree_with_args_stdin_and_files()
    {
        var tree = new Vfs();
        Assert.True(tree.TryWriteFile("hello.lua", Encoding.UTF8.GetBytes(Script), out _));
        host.SetTree("lua", tree);
        var stdin = "zebra apple mango"u8.ToArray();

        var first = await host.RunPosixAsync("lua", Interpreter.Value, ["hello.lua", "moc"], stdin: stdin);
        var second = await host.RunPosixAsync("lua", Interpreter.Value, ["hello.lua", "moc"], stdin: stdin);

        Assert.True(first.Outcome == InvocationOutcome.Ok, first.Error + Encoding.UTF8.GetString(first.Stderr));
        Assert.Equal("Lua 5.4 says hello to moc (visit 1): APPLE,MANGO,ZEBRA\n", Encoding.UTF8.GetString(first.Output.Body));
        Assert.Equal(0, first.Result);
        Assert.Equal(5, second.Result);
        Assert.Equal("2", Encoding.UTF8.GetString(((VfsFile)host.Tree("lua")!.Find("visits")!).Content));
    }

    [ClangFact]
    public async Task A_lua_error_ends_the_call_with_a_trap_rather_than_a_message()
    {
        host.SetTree("lua-error", new Vfs());

        var fine = await host.RunPosixAsync("lua-error", Interpreter.Value, ["-e", "print(pcall(function() return 42 end))"]);
        var failing = await host.RunPosixAsync("lua-error", Interpreter.Value, ["-e", "print(pcall(error, 'boom'))"]);

        Assert.Equal("true\t42\n", Encoding.UTF8.GetString(fine.Output.Body));
        // wasi-libc has no setjmp: even pcall cannot catch, the interpreter aborts (a trap, not an exit code).
        Assert.Equal(InvocationOutcome.GuestError, failing.Outcome);
    }

    private static byte[] Build()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MyOwnCluster.sln")))
        {
            directory = directory.Parent;
        }

        var output = Path.Combine(Directory.CreateTempSubdirectory("moc-lua").FullName, "lua.wasm");
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(directory!.FullName, "Samples", "lua", "build.sh"));
        start.ArgumentList.Add(output);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"Samples/lua/build.sh failed ({process.ExitCode}): {errors}{stdout.Result}");
        return File.ReadAllBytes(output);
    }
}
