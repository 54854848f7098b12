using System.CommandLine;
using System.Globalization;

namespace MyOwnCluster.Cli.Commands;

/// <summary><c>status</c>: what runs on the server (the silos, per-function calls, schedules, backups), from <c>GET status</c>.</summary>
internal static class StatusCommand
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the server's status report as it sent it" };
        var command = new Command("status", "Show the silos, function calls, schedules and backups of the server") { json };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.CreateClient(parse);
            if (parse.GetValue(json))
            {
                await context.Out.WriteLineAsync(await api.GetStatusJsonAsync(ct));
                return ExitCodes.Ok;
            }

            await WriteAsync(context.Out, await api.GetStatusAsync(ct));
            return ExitCodes.Ok;
        });
        return [command];
    }

    private static async Task WriteAsync(TextWriter output, StatusReport status)
    {
        var silo = status.Silo;
        var kvm = silo.Kvm is { Available: true } ? "available" : "not available";
        await output.WriteLineAsync(
            $"answered by {silo.Name} ({silo.Address}), version {silo.Version}, up {Uptime(silo.UptimeSeconds)}, KVM {kvm}, {silo.LiveBuffers} live buffers");
        if (status.Counts is { } counts)
        {
            await output.WriteLineAsync(
                $"{counts.Functions} functions, {counts.Blobs} blobs, {counts.Plugs} plugs, {counts.Filters} filters, {counts.Schedules} schedules");
        }

        await output.WriteLineAsync();
        await TableWriter.WriteSectionAsync(output, "Silos", ["NAME", "ADDRESS", "STATUS", "STARTED"],
            (status.Silos ?? []).Select(s => new[] { s.Name, s.Address, s.Status, Time(s.StartedAt) }));
        await TableWriter.WriteSectionAsync(output, "Function calls on this silo", ["NAME", "KIND", "CALLS", "ERRORS", "MEAN MS", "P95 MS"],
            (status.Functions ?? []).Select(f => new[]
            {
                f.Name, f.Kind ?? "(deleted)", Number(f.Calls), Number(f.Errors), Ms(f.MeanMs), Ms(f.P95Ms),
            }));
        await TableWriter.WriteSectionAsync(output, "Schedules", ["NAME", "WHEN", "FUNCTION", "NEXT RUN", "RUNS", "LAST"],
            (status.Schedules ?? []).Select(s => new[]
            {
                s.Name, s.When, s.Function, Time(s.NextRunAt), Number(s.RunCount), s.LastOutcome ?? "",
            }));
        await output.WriteLineAsync(status.Backups switch
        {
            null => "Backups: none taken by this silo (its store is PostgreSQL)",
            { Newest: { } newest } backups => $"Backups: {backups.Kept} kept, newest {newest.Name} ({Time(newest.CreatedAt)})",
            { } backups => $"Backups: {backups.Kept} kept",
        });
    }

    private static string Uptime(double seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        return span.TotalDays >= 1 ? $"{(int)span.TotalDays}d {span.Hours}h"
            : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m"
            : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m {span.Seconds}s"
            : $"{span.Seconds}s";
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
