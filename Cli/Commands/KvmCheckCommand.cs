using System.CommandLine;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>kvm-check</c>: whether the server's silo can run kvm-elf functions (KVM API version, a test guest).</summary>
internal static class KvmCheckCommand
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var command = new Command("kvm-check", "Check that the server can run native guests in KVM micro-VMs");
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var check = await api.CheckKvmAsync(ct);
            await context.Out.WriteLineAsync(check.Available ? $"KVM API version: {check.ApiVersion}" : "KVM: not available");
            await context.Out.WriteLineAsync(check.Message ?? "");
            if (check.Available)
            {
                await context.Out.WriteLineAsync(check.TestGuestRan
                    ? $"test guest: ran, returned {check.TestGuestResult} in {check.TestGuestMs:F1} ms"
                    : "test guest: FAILED");
            }

            return check.Available && check.TestGuestRan ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return [command];
    }
}
