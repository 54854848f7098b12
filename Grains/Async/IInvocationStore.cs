namespace MyOwnCluster.Async;

/// <summary>
/// One asynchronous invocation as the store keeps it: the silo that owns it (runs it or will), whether it has ended,
/// a version bumped by every write (writes are compare-and-set on it), and the record itself (JSON, see
/// <see cref="InvocationRecord"/>).
/// </summary>
public sealed record StoredInvocation(string Id, string Owner, bool Finished, long Version, DateTimeOffset UpdatedAt, byte[] Record);

/// <summary>An unfinished invocation's id and owner, as the recovery sweep lists them.</summary>
public sealed record InvocationOwner(string Id, string Owner);

/// <summary>
/// Where accepted asynchronous invocations live: one row per invocation (table <c>invocations</c> in the embedded
/// SQLite store, <c>moc_invocations</c> on PostgreSQL). A write's task completes once it is durable.
/// </summary>
public interface IInvocationStore
{
    /// <summary>Stores a new invocation at version 1.</summary>
    Task InsertAsync(StoredInvocation invocation);

    Task<StoredInvocation?> GetAsync(string id);

    /// <summary>The stored rows of those of <paramref name="ids"/> that exist, in no particular order.</summary>
    Task<IReadOnlyList<StoredInvocation>> GetManyAsync(IReadOnlyList<string> ids);

    /// <summary>Writes <paramref name="next"/> only if the stored version is <c>next.Version - 1</c>; false when it was not.</summary>
    Task<bool> ReplaceAsync(StoredInvocation next);

    /// <summary>
    /// <see cref="ReplaceAsync"/> for each row, in one commit (each row's compare-and-set on its own: one that lost
    /// does not hold back the others); whether each was written, in the order given.
    /// </summary>
    Task<bool[]> ReplaceManyAsync(IReadOnlyList<StoredInvocation> next);

    /// <summary>Up to <paramref name="limit"/> unfinished invocations, oldest change first.</summary>
    Task<IReadOnlyList<InvocationOwner>> UnfinishedAsync(int limit);

    /// <summary>Deletes up to <paramref name="limit"/> invocations that ended before <paramref name="before"/>; how many it deleted.</summary>
    Task<int> DeleteFinishedAsync(DateTimeOffset before, int limit);
}
