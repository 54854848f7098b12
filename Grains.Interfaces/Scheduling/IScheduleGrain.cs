namespace MyOwnCluster.Scheduling;

/// <summary>One schedule (key: its name), fired by an Orleans reminder; runs are at most once per due time.</summary>
public interface IScheduleGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the schedule; why not when it was refused, else null.</summary>
    Task<ScheduleRefusal?> SetAsync(ScheduleDefinition definition);

    /// <summary>Null when there is no such schedule.</summary>
    Task<ScheduleInfo?> GetAsync();

    /// <summary>Removes the schedule and its reminder; false when there was none.</summary>
    Task<bool> DeleteAsync();

    /// <summary>Runs the function once now, outside the timetable (which stays as it is); null when there is no such schedule.</summary>
    Task<ScheduleRun?> RunNowAsync();

    /// <summary>After a silo start: a run missed while the platform was down happens now, once.</summary>
    Task CatchUpAsync();
}

/// <summary>The names of every schedule (singleton, key 0): what listings, export and catch-up enumerate.</summary>
public interface IScheduleCatalogGrain : IGrainWithIntegerKey
{
    Task AddAsync(string name);

    Task RemoveAsync(string name);

    Task<IReadOnlyList<string>> ListAsync();
}
