using MyOwnCluster.Execution;
using MyOwnCluster.Functions;
using MyOwnCluster.Scheduling;

namespace MyOwnCluster.Backup;

/// <summary>The <c>schedules.json</c> part of export archives: read, validated before anything is written, imported.</summary>
public static class ArchiveSchedules
{
    public static async Task<ArchiveSchedule[]> ReadAsync(IGrainFactory grains)
    {
        return (await ScheduleListing.AllAsync(grains)).Select(info => info.Definition).Select(d => new ArchiveSchedule(
            d.Name, d.Cron, d.IntervalSeconds, d.Function, d.StartFunction, Convert.ToBase64String(d.Input),
            d.Mode == InvocationMode.Posix ? "posix" : "direct", d.StartAt)).ToArray();
    }

    public static IReadOnlyList<ScheduleDefinition> Validate(ArchiveSchedule[] schedules)
    {
        var definitions = new List<ScheduleDefinition>();
        foreach (var s in schedules)
        {
            var body = new ScheduleBody(s.Name, s.Cron, null, s.IntervalSeconds, s.Function, s.StartFunction, s.Input, s.Mode, s.StartAt);
            var definition = ScheduleJson.FromBody(body, out var error)
                ?? throw new ArchiveException($"{ArchiveLayout.Schedules}: schedule '{s.Name}': {error}");
            if (definitions.Any(d => d.Name == definition.Name))
            {
                throw new ArchiveException($"{ArchiveLayout.Schedules}: schedule '{s.Name}' appears twice");
            }

            definitions.Add(definition);
        }

        return definitions;
    }

    /// <summary>Every scheduled function must come with the archive or exist here already: checked before any write.</summary>
    public static async Task CheckFunctionsAsync(IGrainFactory grains, IReadOnlyList<ScheduleDefinition> schedules, ICollection<string> imported)
    {
        foreach (var schedule in schedules)
        {
            if (!imported.Contains(schedule.Function) && !schedule.Function.StartsWith(Files.TechIds.Prefix, StringComparison.Ordinal)
                && await grains.GetGrain<IFunctionGrain>(schedule.Function).GetAsync() is null)
            {
                throw new ArchiveException($"{ArchiveLayout.Schedules}: schedule '{schedule.Name}' runs '{schedule.Function}', which is neither in the archive nor on this server");
            }
        }
    }
}
