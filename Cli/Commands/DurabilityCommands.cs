using System.CommandLine;
using System.Text;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>kv</c>, <c>export</c>, <c>import</c> and <c>backup</c>: the platform's durable state.</summary>
internal static class DurabilityCommands
{
    public static IEnumerable<Command> Create(CliContext context) => [KeyValue(context), Export(context), Import(context), Backup(context)];

    private static Command KeyValue(CliContext context)
    {
        var command = new Command("kv", "Read and write key-value namespaces (a function's namespace is its name)");
        var ns = () => new Argument<string>("NAMESPACE") { Description = "Namespace (a function name)" };
        var key = () => new Argument<string>("KEY") { Description = "Key" };

        var getNs = ns();
        var getKey = key();
        var get = new Command("get", "Print the value of KEY (raw bytes)") { getNs, getKey };
        get.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var value = await api.GetKeyAsync(parse.GetRequiredValue(getNs), parse.GetRequiredValue(getKey), ct)
                ?? throw new CliException($"no key '{parse.GetRequiredValue(getKey)}' in '{parse.GetRequiredValue(getNs)}'");
            await context.WriteRawAsync(value, ct);
            return ExitCodes.Ok;
        });

        var setNs = ns();
        var setKey = key();
        var value = new Argument<string?>("VALUE") { Description = "Value (UTF-8); omit to read it from --file", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file", "-f") { Description = "Read the value's bytes from this file" };
        var set = new Command("set", "Set KEY to VALUE") { setNs, setKey, value, file };
        set.SetAction(async (parse, ct) =>
        {
            var bytes = parse.GetValue(file) is { } path
                ? await LocalFile.ReadAsync(path, ct)
                : Encoding.UTF8.GetBytes(parse.GetValue(value) ?? throw new CliException("give a VALUE or --file", ExitCodes.Usage));
            using var api = context.CreateClient(parse);
            await api.SetKeyAsync(parse.GetRequiredValue(setNs), parse.GetRequiredValue(setKey), bytes, ct);
            await context.Out.WriteLineAsync($"set {parse.GetRequiredValue(setNs)} {parse.GetRequiredValue(setKey)} ({bytes.Length} bytes)");
            return ExitCodes.Ok;
        });

        var rmNs = ns();
        var rmKey = key();
        var rm = new Command("rm", "Delete KEY") { rmNs, rmKey };
        rm.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            await api.DeleteKeyAsync(parse.GetRequiredValue(rmNs), parse.GetRequiredValue(rmKey), ct);
            await context.Out.WriteLineAsync($"deleted {parse.GetRequiredValue(rmNs)} {parse.GetRequiredValue(rmKey)}");
            return ExitCodes.Ok;
        });

        var lsNs = new Argument<string?>("NAMESPACE") { Description = "Namespace; omit to list namespaces", Arity = ArgumentArity.ZeroOrOne };
        var prefix = new Argument<string?>("PREFIX") { Description = "Only keys starting with this", Arity = ArgumentArity.ZeroOrOne };
        var after = new Option<string?>("--after") { Description = "Start after this key (the last key of an earlier page)" };
        var limit = new Option<int?>("--limit") { Description = "Print at most this many keys, then the key to pass as --after when more follow (on stderr)" };
        var ls = new Command("ls", "List namespaces, or the keys of NAMESPACE (in pages from the server)") { lsNs, prefix, after, limit };
        ls.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            if (parse.GetValue(lsNs) is not { } name)
            {
                foreach (var line in await api.ListNamespacesAsync(ct))
                {
                    await context.Out.WriteLineAsync(line);
                }

                return ExitCodes.Ok;
            }

            var remaining = parse.GetValue(limit) ?? int.MaxValue;
            var next = parse.GetValue(after);
            do
            {
                var page = await api.ListKeysAsync(name, parse.GetValue(prefix) ?? "", next, Math.Clamp(remaining, 1, 1000), ct);
                foreach (var line in page.Keys)
                {
                    await context.Out.WriteLineAsync(line);
                }

                remaining -= page.Keys.Count;
                next = page.Next;
            }
            while (next is not null && remaining > 0);

            if (next is not null)
            {
                await context.Error.WriteLineAsync($"more keys follow: --after {next}");
            }

            return ExitCodes.Ok;
        });

        command.Subcommands.Add(get);
        command.Subcommands.Add(set);
        command.Subcommands.Add(rm);
        command.Subcommands.Add(ls);
        foreach (var atomic in KeyValueAtomicCommands.Create(context))
        {
            command.Subcommands.Add(atomic);
        }

        return command;
    }

    private static Command Export(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Archive to write (.tar.gz)" };
        var command = new Command("export", "Write the whole platform state to FILE (tar.gz)") { file };
        command.SetAction(async (parse, ct) =>
        {
            var path = Path.GetFullPath(parse.GetRequiredValue(file));
            var temporary = path + ".partial";
            using var api = context.CreateClient(parse);
            try
            {
                await using (var output = File.Create(temporary))
                {
                    await api.ExportAsync(output, ct);
                }

                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }

            await context.Out.WriteLineAsync($"exported to {path} ({new FileInfo(path).Length} bytes)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Archive written by 'moc export'" };
        var command = new Command("import", "Load an export archive (imported names, plugs and keys overwrite; nothing is deleted)") { file };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetRequiredValue(file);
            if (!File.Exists(path))
            {
                throw new CliException($"file not found: {path}");
            }

            using var api = context.CreateClient(parse);
            await using var input = File.OpenRead(path);
            await context.Out.WriteLineAsync(await api.ImportAsync(input, ct));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Backup(CliContext context)
    {
        var command = new Command("backup", "Backups of the server's store (<data>/backups)");
        var now = new Command("now", "Take a verified backup now; prints its file name and size");
        now.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var backup = await api.BackupNowAsync(ct);
            await context.Out.WriteLineAsync($"{backup.Name} {backup.Size}");
            return ExitCodes.Ok;
        });
        var ls = new Command("ls", "List the kept backups, newest first");
        ls.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            foreach (var backup in await api.ListBackupsAsync(ct))
            {
                await context.Out.WriteLineAsync($"{backup.Name} {backup.Size} {backup.CreatedAt:O}");
            }

            return ExitCodes.Ok;
        });
        command.Subcommands.Add(now);
        command.Subcommands.Add(ls);

        return command;
    }
}
