namespace MyOwnCluster.Contracts;

/// <summary><c>GET status</c>: the answering silo, the cluster's silos, counts, per-function statistics, routes, filters, schedules, backups.</summary>
public sealed record StatusReport(
    StatusSilo Silo, IReadOnlyList<ClusterSilo> Silos, StatusCounts Counts, IReadOnlyList<FunctionStatus> Functions,
    IReadOnlyList<RouteStatus> Routes, IReadOnlyList<FilterStatus> Filters, IReadOnlyList<ScheduleStatus> Schedules, BackupStatus? Backups);

/// <summary><c>live_buffers</c>: exchange buffers held by the call trees running on this silo right now.</summary>
public sealed record StatusSilo(string Address, string Name, string Version, DateTimeOffset StartedAt, double UptimeSeconds, KvmStatus Kvm, long LiveBuffers);

public sealed record KvmStatus(bool Available, int ApiVersion, string Message);

/// <summary>A member of the cluster and what it executes (null when its executor did not answer).</summary>
public sealed record ClusterSilo(string Address, string Name, string Status, DateTimeOffset StartedAt, SiloExecution? Execution);

/// <summary>
/// A silo's execution: first calls run there since it started, running now (by engine), waiting for a core, its cores,
/// its CPU use over the last second (0 to 1 of all its cores) and the engines it runs.
/// </summary>
public sealed record SiloExecution(
    long Executions, int Running, int Queued, int Cores, double Cpu, IReadOnlyList<string> Engines, IReadOnlyDictionary<string, int> RunningByEngine);

public sealed record StatusCounts(int Functions, int Blobs, int Plugs, int Filters, int Schedules);

/// <summary>A filter in run order; empty <c>paths</c> means every routed request.</summary>
public sealed record FilterStatus(string Id, string Name, string StartFunction, IReadOnlyList<string> Paths);

public sealed record ScheduleStatus(string Name, string When, string Function, DateTimeOffset NextRunAt, long RunCount, string? LastOutcome);

/// <summary>The kept backups of this silo's store; null in the report when the silo takes none (a PostgreSQL cluster).</summary>
public sealed record BackupStatus(int Kept, BackupFile? Newest, ContinuousBackupStatus? Continuous = null);

/// <summary>Call statistics of one function on every active silo since it started, added up; <c>kind</c> is null for names no longer registered.</summary>
public sealed record FunctionStatus(string Name, string? Kind, long Calls, long Errors, double MeanMs, double P50Ms, double P95Ms, double MaxMs);

public sealed record RouteStatus(string Method, string Path, string Target, string Name);

/// <summary><c>GET function/{name}/stats</c>: the function's last hour on every active silo, added up, one point a minute, oldest first.</summary>
public sealed record FunctionHistory(string Name, IReadOnlyList<FunctionMinute> Minutes);

/// <summary>One minute of a function's calls: count, errors, latency percentiles (upper bounds of power-of-two buckets).</summary>
public sealed record FunctionMinute(DateTimeOffset Minute, long Calls, long Errors, double P50Ms, double P95Ms, double P99Ms);
