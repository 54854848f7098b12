using System.Diagnostics;
using System.Text;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm.Wasi;

namespace MyOwnCluster.Tests.Wasi;

/// <summary>Runs only where Debian's clang (with wasi-libc) is installed; elsewhere the test is reported as skipped.</summary>
public sealed class ClangFactAttribute : FactAttribute
{
    public ClangFactAttribute()
    {
        if (LegacyC.Clang is null)
        {
            Skip = "clang is not installed";
        }
    }
}

/// <summary>A plain C program built with clang + wasi-libc at test time, run as a legacy posix function.</summary>
public sealed class WasiLegacyProgramTests(WasiTestHost host) : IClassFixture<WasiTestHost>
{
    private const string Source = """
        #include <ctype.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/stat.h>

        int main(int argc, char **argv) {
            char buf[4096];
            size_t n = fread(buf, 1, sizeof buf - 1, stdin);
            buf[n] = 0;
            for (size_t i = 0; i < n; i++) putchar(toupper((unsigned char)buf[i]));

            mkdir("notes", 0755);
            FILE *f = fopen("notes/copy.txt", "w");
            if (!f) { perror("open for write"); return 2; }
            fprintf(f, "%s|%s|%s", argc > 1 ? argv[1] : "-", getenv("GREETING") ? getenv("GREETING") : "-", buf);
            fclose(f);

            char back[4096] = {0};
            f = fopen("notes/copy.txt", "r");
            if (!f) { perror("open for read"); return 3; }
            fread(back, 1, sizeof back - 1, f);
            fclose(f);
            printf("\nread back: %s\n", back);

            int count = 0;
            f = fopen("counter", "r");
            if (f) { fscanf(f, "%d", &count); fclose(f); }
            f = fopen("counter", "w");
            fprintf(f, "%d", ++count);
            fclose(f);
            printf("calls: %d\n", count);

            FILE *in = fopen("api://input", "r");
            FILE *out = fopen("api://output", "w");
            if (!in || !out) { perror("api files"); return 4; }
            size_t again = fread(back, 1, sizeof back, in);
            fprintf(out, "api input had %zu bytes\n", again);
            fclose(out);
            fclose(in);

            FILE *escape = fopen("../../etc/passwd", "r");
            fprintf(stderr, "escape %s\n", escape ? "possible" : "refused");
            return fopen("http://example.com/", "r") == NULL ? 7 : 8;
        }
        """;

    [ClangFact]
    public async Task C_program_uses_stdin_stdout_files_and_api_paths()
    {
        var wasm = LegacyC.Compile(Source);
        var stdin = Encoding.UTF8.GetBytes("hello wasi");
        var env = new Dictionary<string, string> { ["GREETING"] = "hi" };

        var first = await host.RunPosixAsync("legacy-c", wasm, ["arg1"], env, stdin);
        var second = await host.RunPosixAsync("legacy-c", wasm, ["arg1"], env, stdin);

        Assert.True(first.Outcome == InvocationOutcome.Ok, first.Error);
        Assert.Equal(7, first.Result);
        // stdout is not a terminal: wasi-libc (musl) writes its first line, then buffers the rest until exit, after
        // api://output was closed.
        Assert.Equal(
            "HELLO WASI\napi input had 10 bytes\nread back: arg1|hi|hello wasi\ncalls: 1\n",
            Encoding.UTF8.GetString(first.Output.Body));
        Assert.Equal("escape refused\n", Encoding.UTF8.GetString(first.Stderr));
        Assert.Contains("calls: 2", Encoding.UTF8.GetString(second.Output.Body));
        var tree = host.Tree("legacy-c")!;
        Assert.Equal("2", Encoding.UTF8.GetString(((VfsFile)tree.Find("counter")!).Content));
        Assert.IsType<VfsFile>(tree.Find("notes/copy.txt"));
    }
}

internal static class LegacyC
{
    public static string? Clang { get; } = FindClang();

    public static byte[] Compile(string source)
    {
        var directory = Directory.CreateTempSubdirectory("wasi-c").FullName;
        try
        {
            var sourcePath = Path.Combine(directory, "program.c");
            var output = Path.Combine(directory, "program.wasm");
            File.WriteAllText(sourcePath, source);
            var start = new ProcessStartInfo(Clang!) { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add("--target=wasm32-wasi");
            // Debian installs wasi-libc in the multiarch layout clang finds on its own; other distros use a sysroot.
            if (Directory.Exists("/usr/share/wasi-sysroot"))
            {
                start.ArgumentList.Add("--sysroot=/usr/share/wasi-sysroot");
            }

            foreach (var argument in (string[])["-O2", "-o", output, sourcePath])
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "clang failed: " + errors);
            return File.ReadAllBytes(output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string? FindClang()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(directory, "clang");
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
