using System.Text;
using System.Text.Json;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Scheduling;

/// <summary>The engine-neutral half of the <c>core.schedule_*</c> guest calls (same JSON as the REST API).</summary>
public static class GuestSchedules
{
    private const int Failure = -1;
    private const string Service = "the scheduler";
    private const string Unavailable = "schedules are not available in this host";

    /// <summary>schedule_set(json…): 0 when the schedule is stored and armed, -1 (reason in the log) otherwise.</summary>
    public static int Set(GuestContext guest, ReadOnlySpan<byte> json)
    {
        if (!guest.Allows("schedule_set", Functions.FunctionCapabilities.Schedules) || guest.GrainsFor("schedule_set", Unavailable) is not { } grains)
        {
            return Failure;
        }

        var definition = ScheduleJson.Parse(json, out var invalid);
        if (definition is null)
        {
            guest.LogGuestError("schedule_set", invalid!);
            return Failure;
        }

        var refused = guest.WaitForGrain("schedule_set", Service, async () =>
            await grains.GetGrain<IScheduleGrain>(definition.Name).SetAsync(definition) is { } why ? why.Reason : "");
        if (refused is not "")
        {
            if (refused is not null)
            {
                guest.LogGuestError("schedule_set", refused);
            }

            return Failure;
        }

        return 0;
    }

    /// <summary>schedule_delete(name…): 0 when it is gone (also when it never existed), -1 on error.</summary>
    public static int Delete(GuestContext guest, ReadOnlySpan<byte> name)
    {
        if (!guest.Allows("schedule_delete", Functions.FunctionCapabilities.Schedules) || guest.GrainsFor("schedule_delete", Unavailable) is not { } grains)
        {
            return Failure;
        }

        var text = Encoding.UTF8.GetString(name);
        return guest.WaitForGrain("schedule_delete", Service, async () => (bool?)await grains.GetGrain<IScheduleGrain>(text).DeleteAsync()) is null
            ? Failure
            : 0;
    }

    /// <summary>schedule_list(): a buffer with the JSON array of every schedule, 0 on error.</summary>
    public static int List(GuestContext guest)
    {
        if (!guest.Allows("schedule_list", Functions.FunctionCapabilities.Schedules) || guest.GrainsFor("schedule_list", Unavailable) is not { } grains)
        {
            return 0;
        }

        var summaries = guest.WaitForGrain("schedule_list", Service, async () =>
            (await ScheduleListing.AllAsync(grains)).Select(ScheduleJson.Summarize).ToArray());
        return summaries is null ? 0 : guest.RegisterBuffer(JsonSerializer.SerializeToUtf8Bytes(summaries, ScheduleJson.Options));
    }
}
