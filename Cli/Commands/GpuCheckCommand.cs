using System.CommandLine;
using System.Globalization;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>gpu-check</c>: the Vulkan devices of the server's silo, the one gpu-compute functions run on, and a test kernel.</summary>
internal static class GpuCheckCommand
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var command = new Command("gpu-check", "List the server's Vulkan devices and run a test kernel on the one in use");
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            var check = await api.CheckGpuAsync(ct);
            foreach (var device in check.Devices)
            {
                await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{(device.Selected ? "*" : " ")} {device.Index}: {device.Name} ({device.Type}, Vulkan {device.ApiVersion}, {device.MemoryBytes >> 20} MiB)"));
            }

            await context.Out.WriteLineAsync(check.Devices.Count == 0 ? "no Vulkan device" : "");
            await context.Out.WriteLineAsync(check.Message);
            if (check.Available)
            {
                await context.Out.WriteLineAsync(check.TestKernelRan
                    ? string.Create(CultureInfo.InvariantCulture, $"test kernel: ran in {check.TestKernelMs:F1} ms")
                    : "test kernel: FAILED");
            }

            return check.Available && check.TestKernelRan ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return [command];
    }
}
