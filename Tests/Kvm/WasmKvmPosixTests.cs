using System.Text;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;
using MyOwnCluster.Execution.Wasm.Wasi;
using MyOwnCluster.Tests.Support;
using MyOwnCluster.Tests.Wasi;

namespace MyOwnCluster.Tests.Kvm;

/// <summary>What a posix call answered and the file tree it left, in terms both engines share.</summary>
public sealed record PosixAnswer(InvocationOutcome Outcome, long ExitCode, string Stdout, string Stderr, string? Error, string Tree);

/// <summary>
/// WASI preview 1 programs with isolation kvm, without /dev/kvm: each program runs on Wasmtime (posix mode of the
/// WasmEngine, our WASI host) and translated for the micro-VM but linked with the hosted shim, whose WASI hypercalls
/// the engine's dispatch serves with the same WASI host; both start from equal trees and must answer and leave the
/// tree alike. WasmKvmEngineTests runs the same cases in real micro-VMs where the device exists.
/// </summary>
public sealed class WasmKvmPosixTests(WasiTestHost wasmtime) : IClassFixture<WasiTestHost>
{
    /// <summary>Runs a posix request translated, on the tree given; the tree holds the call's changes afterwards.</summary>
    public delegate Task<InvocationResult> TranslatedRunner(byte[] wasm, InvocationRequest request, Vfs tree);

    private static readonly TranslatedRunner Hosted = (wasm, request, tree) => Task.FromResult(WasmKvmHarness.RunHosted(wasm, request, tree));

    internal static readonly Lazy<byte[]> Tour = new(() =>
        LegacyC.Compile(File.ReadAllText(Path.Combine(KvmGuests.RepositoryRoot(), "Tests", "Kvm", "WasiPrograms", "posix_tour.c"))));

    public static TheoryData<string> SuitePrograms()
    {
        var data = new TheoryData<string>();
        foreach (var program in WasiConformanceTests.AllPrograms())
        {
            data.Add(program);
        }

        return data;
    }

    [Fact]
    public Task A_C_program_sees_args_env_stdin_and_its_durable_tree_as_on_Wasmtime() => TourAsync(wasmtime, Hosted);

    [Theory]
    [MemberData(nameof(SuitePrograms))]
    public Task A_wasi_testsuite_program_passes_translated_as_on_Wasmtime(string program) => SuiteProgramAsync(wasmtime, Hosted, program);

    /// <summary>The C tour twice (the second run sees the first one's tree), compared with Wasmtime run by run.</summary>
    internal static async Task TourAsync(WasiTestHost wasmtime, TranslatedRunner translate)
    {
        Assert.NotNull(LegacyC.Clang);
        var env = new Dictionary<string, string> { ["GREETING"] = "hi there" };

        var first = await BothAsync(wasmtime, translate, "tour-1", Tour.Value, ["one"], env, "some input", new Vfs());
        var second = await BothAsync(wasmtime, translate, "tour-2", Tour.Value, ["one", "two"], env, "", Clone(first.Tree));

        Assert.Equal(first.Wasmtime, first.Translated);
        Assert.Equal(second.Wasmtime, second.Translated);
        Assert.Equal(InvocationOutcome.Ok, first.Translated.Outcome);
        Assert.Equal(0, first.Translated.ExitCode);
        Assert.Contains("argv[1]=one\nGREETING=hi there\nstdin=some input\nrun 1\n", first.Translated.Stdout);
        Assert.Contains("read after seek: 4 'beta'", first.Translated.Stdout);
        Assert.Contains("/dir: . .. appended b.txt link\n", first.Translated.Stdout);
        Assert.Equal("a line on stderr\n", first.Translated.Stderr);
        Assert.Equal(7, second.Translated.ExitCode);
        Assert.Contains("run 2\n", second.Translated.Stdout);
        Assert.Contains("mkdir: 20\n", second.Translated.Stdout);
        Assert.Contains("/counter=2\n", second.Translated.Tree);
        Assert.Contains("/dir/appended=run 1\nrun 2\n", second.Translated.Tree);
    }

    internal static async Task SuiteProgramAsync(WasiTestHost wasmtime, TranslatedRunner translate, string program)
    {
        var wasmPath = Path.Combine(WasiConformanceTests.SuiteDirectory, program);
        var spec = WasiConformanceTests.Spec.Load(Path.ChangeExtension(wasmPath, ".json"));
        Vfs Root() => spec.Root is null ? new Vfs() : VfsHostDirectory.Load(Path.Combine(Path.GetDirectoryName(wasmPath)!, spec.Root));

        var answers = await BothAsync(wasmtime, translate, "suite-" + Path.GetFileNameWithoutExtension(program), await File.ReadAllBytesAsync(wasmPath),
            spec.Args, spec.Env, "", Root(), Root());

        Assert.True(answers.Translated.Outcome == InvocationOutcome.Ok, answers.Translated.Error);
        Assert.Equal(spec.ExitCode, answers.Translated.ExitCode);
        if (spec.Stdout is not null)
        {
            Assert.Equal(spec.Stdout, answers.Translated.Stdout);
        }

        Assert.Equal(answers.Wasmtime, answers.Translated);
    }

    [Fact]
    public async Task A_WASI_call_with_a_pointer_outside_linear_memory_traps_naming_it_as_on_Wasmtime()
    {
        const string wat = """
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "_start")
                (drop (call $sizes (i32.const 0) (i32.const 4)))
                (drop (call $write (i32.const 1) (i32.const 65530) (i32.const 1) (i32.const 0)))))
            """;
        var wasm = Wat.ToWasm(wat);

        var answers = await BothAsync(wasmtime, Hosted, "bad-pointer", wasm, [], new Dictionary<string, string>(), "", new Vfs());

        Assert.Equal(InvocationOutcome.GuestError, answers.Translated.Outcome);
        Assert.Contains("fd_write", answers.Translated.Error);
        Assert.Contains("outside the guest's memory", answers.Translated.Error);
        Assert.Equal(answers.Wasmtime, answers.Translated);
    }

    [Fact]
    public async Task A_wasi_unstable_program_gets_the_preview0_layouts_as_on_Wasmtime()
    {
        // preview0: fd_filestat_get writes 56 bytes with a u32 nlink, fd_seek numbers whence cur/end/set 0/1/2.
        const string wat = """
            (module
              (import "wasi_unstable" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_unstable" "fd_filestat_get" (func $stat (param i32 i32) (result i32)))
              (import "wasi_unstable" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "wasi_unstable" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
              (import "wasi_unstable" "proc_exit" (func $exit (param i32)))
              (memory (export "memory") 1)
              (data (i32.const 300) "notes.txt")
              (data (i32.const 320) "0123456789")
              (func (export "_start")
                (local $fd i32)
                (drop (call $open (i32.const 3) (i32.const 0) (i32.const 300) (i32.const 9) (i32.const 1) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 400)))
                (local.set $fd (i32.load (i32.const 400)))
                (i32.store (i32.const 0) (i32.const 320))
                (i32.store (i32.const 4) (i32.const 10))
                (drop (call $write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
                (i32.store (i32.const 404) (call $seek (local.get $fd) (i64.const -3) (i32.const 1) (i32.const 408)))
                (drop (call $stat (local.get $fd) (i32.const 100)))
                (i64.store (i32.const 108) (i64.const 0))
                (i64.store (i32.const 132) (i64.const 0))
                (i64.store (i32.const 140) (i64.const 0))
                (i64.store (i32.const 148) (i64.const 0))
                (i32.store (i32.const 0) (i32.const 100))
                (i32.store (i32.const 4) (i32.const 56))
                (i32.store (i32.const 16) (i32.const 404))
                (i32.store (i32.const 20) (i32.const 12))
                (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
                (call $exit (i32.const 3))))
            """;

        var answers = await BothAsync(wasmtime, Hosted, "preview0", Wat.ToWasm(wat), [], new Dictionary<string, string>(), "", new Vfs());

        Assert.Equal(InvocationOutcome.Ok, answers.Translated.Outcome);
        Assert.Equal(3, answers.Translated.ExitCode);
        Assert.Equal("/notes.txt=0123456789\n", answers.Translated.Tree);
        Assert.Equal(answers.Wasmtime, answers.Translated);
    }

    [Fact]
    public async Task Direct_mode_modules_may_write_to_stdout_through_WASI_as_on_Wasmtime()
    {
        const string wat = """
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (data (i32.const 16) "from wasi\n")
              (func (export "run") (result i64)
                (i32.store (i32.const 0) (i32.const 16))
                (i32.store (i32.const 4) (i32.const 10))
                (i64.add (i64.const 0x100000000)
                  (i64.extend_i32_u (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))))
            """;

        var onWasmtime = await WasmKvmHarness.OnWasmtimeAsync(wat, "run");
        var translated = WasmKvmHarness.OnHostedShim(wat, "run");

        Assert.Equal(new CallAnswer(InvocationOutcome.Ok, 0x100000000, "from wasi\n", null, null), translated);
        Assert.Equal(onWasmtime, translated);
    }

    /// <summary>The program on Wasmtime from <paramref name="start"/> and translated from an equal tree (a clone unless given).</summary>
    private static async Task<(PosixAnswer Wasmtime, PosixAnswer Translated, Vfs Tree)> BothAsync(WasiTestHost wasmtime, TranslatedRunner translate, string function, byte[] wasm,
        IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env, string stdin, Vfs start, Vfs? startTranslated = null)
    {
        var translatedTree = startTranslated ?? Clone(start);
        wasmtime.SetTree(function, start);
        var onWasmtime = await wasmtime.RunPosixAsync(function, wasm, args, env, Encoding.UTF8.GetBytes(stdin));
        var request = new InvocationRequest(function, "_start", InvocationMode.Posix, [], ExchangeBufferData.FromBody(Encoding.UTF8.GetBytes(stdin)))
        {
            PosixArguments = args,
            Environment = env,
        };
        var translated = await translate(wasm, request, translatedTree);
        return (Answer(onWasmtime, wasmtime.Tree(function)!), Answer(translated, translatedTree), translatedTree);
    }

    private static PosixAnswer Answer(InvocationResult result, Vfs tree) => new(result.Outcome,
        result.Outcome == InvocationOutcome.Ok ? result.Result : 0, Encoding.UTF8.GetString(result.Output.Body), Encoding.UTF8.GetString(result.Stderr),
        result.Error, Listing(tree));

    /// <summary>Every entry of the tree, one a line: files with their content, links with their target (no times, no inodes).</summary>
    private static string Listing(Vfs tree)
    {
        var lines = new StringBuilder();
        void Walk(VfsDirectory directory, string path)
        {
            foreach (var (name, node) in directory.Children.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                var full = path + "/" + name;
                switch (node)
                {
                    case VfsDirectory child:
                        lines.Append(full).Append("/\n");
                        Walk(child, full);
                        break;
                    case VfsFile file:
                        lines.Append(full).Append('=').Append(Encoding.UTF8.GetString(file.Content)).Append('\n');
                        break;
                    case VfsSymlink link:
                        lines.Append(full).Append(" -> ").Append(link.Target).Append('\n');
                        break;
                }
            }
        }

        Walk(tree.Root, "");
        return lines.ToString();
    }

    private static Vfs Clone(Vfs tree) => Vfs.FromSnapshot(tree.ToSnapshot());
}
