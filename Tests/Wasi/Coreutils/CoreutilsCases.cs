using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Tests.Samples;

namespace MyOwnCluster.Tests.Wasi.Coreutils;

/// <summary>One run of a coreutils program: its arguments and stdin (scripts/coreutils/cases.json).</summary>
public sealed record CoreutilsCase(string Program, IReadOnlyList<string> Arguments, string Stdin)
{
    /// <summary>How the case is named in cases.json's "known" and in the table: the command line.</summary>
    public string Name => Arguments.Count == 0 ? Program : $"{Program} {string.Join(' ', Arguments)}";
}

/// <summary>
/// What a run left: exit code, stdout, stderr and the files of its directory (path → "file:...", "dir", "link:...",
/// "fifo").
/// </summary>
public sealed record CoreutilsOutcome(int ExitCode, byte[] Stdout, string Stderr, IReadOnlyDictionary<string, string> Tree)
{
    /// <summary>
    /// The first way this outcome differs from <paramref name="native"/>, or null when it does not. Of stderr only
    /// the program's name in front of a message must match: the wording of errors may differ with the system.
    /// </summary>
    public string? DifferenceFrom(CoreutilsOutcome native, string program)
    {
        if (ExitCode != native.ExitCode || !Stdout.AsSpan().SequenceEqual(native.Stdout))
        {
            return $"exit {ExitCode} vs {native.ExitCode}, stdout {Shown(Stdout)} vs {Shown(native.Stdout)}";
        }

        // The native build runs by its full path, which its messages repeat.
        var nativeName = native.Stderr.Split(": ", 2)[0];
        var nativeNamed = nativeName == program || nativeName.EndsWith("/" + program, StringComparison.Ordinal);
        if (nativeNamed && !Stderr.StartsWith(program + ": ", StringComparison.Ordinal))
        {
            var first = Stderr.Split('\n')[0];
            return $"stderr does not name the program: {JsonSerializer.Serialize(first[..Math.Min(first.Length, 60)])}";
        }

        var changed = Tree.Keys.Union(native.Tree.Keys).Order(StringComparer.Ordinal)
            .FirstOrDefault(path => Tree.GetValueOrDefault(path) != native.Tree.GetValueOrDefault(path));
        return changed is null ? null
            : $"file {changed}: {Tree.GetValueOrDefault(changed) ?? "absent"} vs {native.Tree.GetValueOrDefault(changed) ?? "absent"}";
    }

    private static string Shown(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 60)));
        return JsonSerializer.Serialize(text + (bytes.Length > 60 ? "..." : ""));
    }
}

/// <summary>scripts/coreutils/cases.json: the files each case starts from, the cases, the known differences.</summary>
public sealed class CoreutilsCases
{
    /// <summary>The environment of both runs: no locale or time zone of the machine's.</summary>
    public static readonly IReadOnlyDictionary<string, string> Environment =
        new Dictionary<string, string> { ["LC_ALL"] = "C", ["TZ"] = "UTC0" };

    /// <summary>How long a native run may take (generous: the machine may be loaded) before it counts as not ending.</summary>
    public static readonly TimeSpan NativeTimeout = TimeSpan.FromSeconds(30);

    private CoreutilsCases(JsonElement root)
    {
        Files = root.GetProperty("files").EnumerateObject().ToDictionary(file => file.Name, file => file.Value.GetString()!);
        Subset = root.GetProperty("subset").EnumerateArray().Select(program => program.GetString()!).ToArray();
        Known = root.GetProperty("known").EnumerateObject().ToDictionary(known => known.Name, known => known.Value.GetString()!);
        NotConfigured = root.GetProperty("not_configured").EnumerateObject()
            .ToDictionary(program => program.Name, program => program.Value.GetString()!);
        Cases = root.GetProperty("cases").EnumerateObject().ToDictionary(
            program => program.Name,
            program => (IReadOnlyList<CoreutilsCase>)program.Value.EnumerateArray().Select(run => Case(program.Name, run)).ToArray());
    }

    public IReadOnlyDictionary<string, string> Files { get; }

    public IReadOnlyList<string> Subset { get; }

    public IReadOnlyDictionary<string, string> Known { get; }

    /// <summary>Programs configure leaves out of the WASI build, and why.</summary>
    public IReadOnlyDictionary<string, string> NotConfigured { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<CoreutilsCase>> Cases { get; }

    public static CoreutilsCases Load() => new(JsonDocument.Parse(
        File.ReadAllText(Path.Combine(SampleToolchain.RepositoryRoot, "scripts", "coreutils", "cases.json"))).RootElement);

    /// <summary>The case's files as the function's tree.</summary>
    public Vfs Tree()
    {
        var tree = new Vfs();
        foreach (var (path, content) in Files)
        {
            Assert.True(tree.TryWriteFile(path, Encoding.UTF8.GetBytes(content), out var error), error);
        }

        return tree;
    }

    /// <summary>
    /// Runs Debian's own build of the program (/usr/bin or /bin) in a directory holding the case's files. A run that
    /// has not ended after <see cref="NativeTimeout"/> is killed and reported as exit code -1 with what it wrote.
    /// </summary>
    public async Task<CoreutilsOutcome> RunNativeAsync(string executable, CoreutilsCase run)
    {
        var directory = Directory.CreateTempSubdirectory("moc-coreutils-native-");
        try
        {
            foreach (var (path, content) in Files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(directory.FullName, path))!);
                File.WriteAllText(Path.Combine(directory.FullName, path), content);
            }

            var start = new ProcessStartInfo(executable)
            {
                WorkingDirectory = directory.FullName,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment.Clear();
            foreach (var (name, value) in Environment)
            {
                start.Environment[name] = value;
            }

            foreach (var argument in run.Arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            using var deadline = new CancellationTokenSource(NativeTimeout);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            var stdout = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout, CancellationToken.None);
            try
            {
                await process.StandardInput.WriteAsync(run.Stdin.AsMemory(), deadline.Token);
                process.StandardInput.Close();
                await process.WaitForExitAsync(deadline.Token);
                await copy.WaitAsync(deadline.Token);
                await stderr.WaitAsync(deadline.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                return new CoreutilsOutcome(-1, stdout.ToArray(), "", NativeTree(directory, directory));
            }

            return new CoreutilsOutcome(process.ExitCode, stdout.ToArray(), await stderr, NativeTree(directory, directory));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The files a posix-mode run left in the function's tree, in the form of <see cref="NativeTree"/>.</summary>
    public static IReadOnlyDictionary<string, string> WasiTree(Vfs tree)
    {
        var entries = new Dictionary<string, string>();
        Walk(tree.Root, "");
        return entries;

        void Walk(VfsDirectory directory, string prefix)
        {
            foreach (var (name, node) in directory.Children)
            {
                var path = prefix + name;
                entries[path] = node switch
                {
                    VfsDirectory => "dir",
                    VfsSymlink link => "link:" + link.Target,
                    VfsFile file => "file:" + Encoding.UTF8.GetString(file.Content),
                    _ => node.GetType().Name,
                };
                if (node is VfsDirectory child)
                {
                    Walk(child, path + "/");
                }
            }
        }
    }

    private static Dictionary<string, string> NativeTree(DirectoryInfo root, DirectoryInfo directory)
    {
        var entries = new Dictionary<string, string>();
        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            var path = Path.GetRelativePath(root.FullName, entry.FullName).Replace('\\', '/');
            if (entry.LinkTarget is { } target)
            {
                entries[path] = "link:" + target;
            }
            else if (entry is DirectoryInfo child)
            {
                entries[path] = "dir";
                foreach (var (inner, kind) in NativeTree(root, child))
                {
                    entries[inner] = kind;
                }
            }
            else
            {
                entries[path] = Content(entry.FullName);
            }
        }

        return entries;
    }

    /// <summary>
    /// A regular file's content; "fifo" for what cannot seek (a FIFO, a device), which is opened read-write because
    /// opening a FIFO only to read waits for a writer forever (a file the case made read-only is read as it is).
    /// </summary>
    private static string Content(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            return stream.CanSeek ? "file:" + new StreamReader(stream).ReadToEnd() : "fifo";
        }
        catch (UnauthorizedAccessException)
        {
            return "file:" + File.ReadAllText(path);
        }
    }

    private static CoreutilsCase Case(string program, JsonElement run) => run.ValueKind == JsonValueKind.Array
        ? new CoreutilsCase(program, Strings(run), "")
        : new CoreutilsCase(program, Strings(run.GetProperty("args")),
            run.TryGetProperty("stdin", out var stdin) ? stdin.GetString()! : "");

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(item => item.GetString()!).ToArray();
}
