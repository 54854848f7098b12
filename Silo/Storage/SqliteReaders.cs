using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace MyOwnCluster.Silo.Storage;

/// <summary>Open read connections of one database, reused: a lookup then costs an index search in a warm page cache.</summary>
public sealed class SqliteReaders(string connectionString)
{
    private readonly ConcurrentBag<SqliteConnection> idle = [];

    /// <summary>Runs <paramref name="read"/> on a pooled connection; one that failed is dropped, not pooled.</summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> read)
    {
        if (!idle.TryTake(out var connection))
        {
            connection = SqliteStore.Open(connectionString);
        }

        try
        {
            var result = read(connection);
            idle.Add(connection);
            return Task.FromResult(result);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
