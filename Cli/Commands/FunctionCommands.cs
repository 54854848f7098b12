using System.CommandLine;
using System.Globalization;
using System.Text;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>push</c>, <c>call</c> and <c>rm</c>: registering, running and deleting functions (and named blobs).</summary>
internal static class FunctionCommands
{
    public static IEnumerable<Command> Create(CliContext context) => [Push(context), Call(context), Remove(context)];

    private static Command Push(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Function (blob) name" };
        var file = new Argument<string>("FILE") { Description = "Module file: .wasm, .elf, .js, ..." };
        var contentType = new Option<string?>("--content-type") { Description = "Override the content type guessed from the extension" };
        var idempotent = new Option<bool>("--idempotent")
        {
            Description = "Running it twice does no harm: a call whose silo fails under it runs once more on another",
        };
        var capabilities = new Option<string[]>("--capability")
        {
            Description = "Grant a platform power (repeatable): register, plug, filters, schedules, blobs, status, or all. None by default",
            AllowMultipleArgumentsPerToken = true,
        };
        var maxConcurrency = new Option<int?>("--max-concurrency")
        {
            Description = "Calls of it one silo runs at once; more wait in a bounded queue (default: Limits:FunctionConcurrency)",
        };
        var trapUnknownImports = new Option<bool>("--trap-unknown-imports")
        {
            Description = "WebAssembly: accept function imports nothing provides; each traps, naming the import, only if called",
        };
        var isolation = new Option<string?>("--isolation")
        {
            Description = "WebAssembly: where it runs: wasmtime (the default) or kvm (translated, in a KVM micro-VM; docs/kvm.md)",
        };
        isolation.AcceptOnlyFromAmong("wasmtime", "kvm");
        var command = new Command("push", "Register FILE as the current version of function NAME")
        {
            name, file, contentType, idempotent, capabilities, maxConcurrency, trapUnknownImports, isolation,
        };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetRequiredValue(file);
            var request = new RegisterBlobBody(
                parse.GetRequiredValue(name),
                parse.GetValue(contentType) ?? ContentTypes.ForFile(path),
                Convert.ToBase64String(await LocalFile.ReadAsync(path, ct)),
                Idempotent: parse.GetValue(idempotent),
                Capabilities: parse.GetValue(capabilities) is { Length: > 0 } granted ? granted.SelectMany(g => g.Split(',')).ToList() : null,
                MaxConcurrency: parse.GetValue(maxConcurrency),
                UnknownImports: parse.GetValue(trapUnknownImports) ? "trap" : null,
                Isolation: parse.GetValue(isolation));
            using var api = context.CreateClient(parse);
            var blob = await api.RegisterBlobAsync(request, ct);
            await context.Out.WriteLineAsync(
                $"pushed {blob.Name}: {blob.Kind ?? blob.ContentType}{(blob.Isolation == "kvm" ? " (isolation kvm)" : "")}, {blob.Size} bytes, tech id {blob.TechId}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Call(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Function name (or techID://<sha>)" };
        var args = new Argument<string[]>("ARGS")
        {
            Description = "Integer arguments (direct mode) or program arguments (posix mode)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var start = new Option<string>("--start") { Description = "Exported function to call", DefaultValueFactory = _ => "_start" };
        var input = new Option<string?>("--input") { Description = "Input buffer body (text)" };
        var inputFile = new Option<string?>("--input-file") { Description = "Input buffer body from a file" };
        var mode = new Option<string>("--mode") { Description = "direct or posix", DefaultValueFactory = _ => "direct" };
        mode.AcceptOnlyFromAmong("direct", "posix");
        var posix = new Option<bool>("--posix") { Description = "Same as --mode posix" };
        var env = new Option<string[]>("--env", "-e") { Description = "KEY=VALUE environment for posix mode (repeatable)" };
        var runAsync = new Option<bool>("--async") { Description = "Record the call, print its invocation id and return (see 'moc invocation')" };
        var callback = new Option<string?>("--callback") { Description = "With --async: an http(s) URL POSTed the invocation's status when it ends" };
        var command = new Command("call", "Call a function and print its output body")
        {
            name, args, start, input, inputFile, mode, posix, env, runAsync, callback,
        };
        command.SetAction(async (parse, ct) =>
        {
            var posixMode = parse.GetValue(posix) || parse.GetValue(mode) == "posix";
            if (parse.GetValue(posix) && parse.GetResult(mode) is { Implicit: false } && parse.GetValue(mode) == "direct")
            {
                throw new CliException("--posix and --mode direct contradict each other", ExitCodes.Usage);
            }

            var arguments = parse.GetValue(args) ?? [];
            var request = new CallBody(
                parse.GetRequiredValue(name),
                parse.GetRequiredValue(start),
                posixMode ? null : ParseIntegers(arguments),
                posixMode ? "posix" : "direct",
                await ReadInputAsync(parse.GetValue(input), parse.GetValue(inputFile), ct) is { } bytes ? Convert.ToBase64String(bytes) : null,
                posixMode ? [.. arguments] : null,
                ParseEnvironment(parse.GetValue(env) ?? [], posixMode),
                Program: null);
            using var api = context.CreateClient(parse);
            if (parse.GetValue(runAsync))
            {
                var accepted = await api.CallAsyncAsync(request with { Callback = parse.GetValue(callback) }, ct);
                await context.Out.WriteLineAsync(accepted.Invocation);
                return ExitCodes.Ok;
            }

            if (parse.GetValue(callback) is not null)
            {
                throw new CliException("--callback only applies with --async", ExitCodes.Usage);
            }

            var response = await api.CallAsync(request, ct);
            await WriteResponseAsync(context, response, parse.GetValue(context.VerboseOption), ct);
            return posixMode ? unchecked((int)response.Result) : ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Function or blob name" };
        var command = new Command("rm", "Delete a function or named blob") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            await api.DeleteFunctionAsync(parse.GetRequiredValue(name), ct);
            await context.Out.WriteLineAsync($"deleted {parse.GetRequiredValue(name)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static List<long> ParseIntegers(string[] arguments) =>
        [.. arguments.Select(a => int.TryParse(a, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliException($"argument '{a}' is not a 32-bit integer (direct mode takes integers; use --posix for strings)", ExitCodes.Usage))];

    private static Dictionary<string, string>? ParseEnvironment(string[] pairs, bool posixMode)
    {
        if (pairs.Length == 0)
        {
            return null;
        }

        if (!posixMode)
        {
            throw new CliException("--env only applies to posix mode", ExitCodes.Usage);
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"--env wants KEY=VALUE, not '{pair}'", ExitCodes.Usage);
            }

            environment[pair[..equals]] = pair[(equals + 1)..];
        }

        return environment;
    }

    private static async Task<byte[]?> ReadInputAsync(string? text, string? file, CancellationToken ct)
    {
        if (text is not null && file is not null)
        {
            throw new CliException("give either --input or --input-file, not both", ExitCodes.Usage);
        }

        return text is not null ? Encoding.UTF8.GetBytes(text)
            : file is not null ? await LocalFile.ReadAsync(file, ct)
            : null;
    }

    private static async Task WriteResponseAsync(CliContext context, CallResponse response, bool verbose, CancellationToken ct)
    {
        if (response.Output is { Length: > 0 } output)
        {
            await context.WriteRawAsync(Convert.FromBase64String(output), ct);
        }

        if (response.Stderr is { Length: > 0 } log)
        {
            await context.Error.WriteAsync(Encoding.UTF8.GetString(Convert.FromBase64String(log)));
        }

        if (verbose)
        {
            await context.Error.WriteLineAsync($"result: {response.Result.ToString(CultureInfo.InvariantCulture)}");
            await context.Error.WriteLineAsync($"status: {response.Status.ToString(CultureInfo.InvariantCulture)}");
            foreach (var (header, value) in response.Headers ?? new Dictionary<string, string>())
            {
                await context.Error.WriteLineAsync($"{header}: {value}");
            }
        }
    }
}
