using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using MyOwnCluster.Buffers;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;
using Npgsql;

namespace MyOwnCluster.Tests.Cluster;

/// <summary>What reads at an offset need from a buffer store (chunk lengths, ranges of a chunk), on SQLite and on PostgreSQL.</summary>
public abstract class BufferStoreRangeContract
{
    protected abstract IBufferStore Store { get; }

    [Fact]
    public async Task Chunk_lengths_and_ranges_of_a_chunk_come_back_as_stored()
    {
        var id = Guid.NewGuid().ToString("N");
        var chunks = new[] { Enumerable.Range(0, 300).Select(i => (byte)i).ToArray(), [7, 8, 9], new byte[70_000] };
        chunks[2].AsSpan().Fill(42);
        var row = new BufferRow(id, 200, "{}", 0, 0, false, DateTimeOffset.UtcNow.AddHours(1));
        await Store.SaveAsync(row);
        for (var i = 0; i < chunks.Length; i++)
        {
            row = row with { Length = row.Length + chunks[i].Length, Chunks = i + 1 };
            await Store.AppendAsync(row, i, chunks[i]);
        }

        Assert.Equal([300, 3, 70_000], await Store.ChunkLengthsAsync(id));
        Assert.Equal(chunks[0][250..300], await Store.ReadChunkRangeAsync(id, 0, 250, 100));
        Assert.Equal(new byte[] { 8 }, await Store.ReadChunkRangeAsync(id, 1, 1, 1));
        Assert.Equal(chunks[2][..5000], await Store.ReadChunkRangeAsync(id, 2, 0, 5000));
        Assert.Empty((await Store.ReadChunkRangeAsync(id, 1, 3, 10))!);
        Assert.Null(await Store.ReadChunkRangeAsync(id, 3, 0, 10));
        Assert.Empty(await Store.ChunkLengthsAsync(Guid.NewGuid().ToString("N")));

        Assert.True(await Store.DeleteAsync(id));
        Assert.Empty(await Store.ChunkLengthsAsync(id));
    }
}

public sealed class SqliteBufferStoreRangeTests : BufferStoreRangeContract, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("moc-buffers-").FullName;
    private readonly SqliteBufferStore store;

    public SqliteBufferStoreRangeTests()
    {
        var database = Path.Combine(directory, "store.db");
        store = new SqliteBufferStore(database, new SqliteCommitQueue(new SqliteConnectionStringBuilder { DataSource = database }.ToString()));
    }

    protected override IBufferStore Store => store;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }
}

public sealed class PostgresBufferStoreRangeTests(PostgresBufferStoreRangeTests.Database database)
    : BufferStoreRangeContract, IClassFixture<PostgresBufferStoreRangeTests.Database>
{
    protected override IBufferStore Store => database.Store;

    public sealed class Database : IAsyncLifetime
    {
        private PostgresServer server = null!;
        private NpgsqlDataSource source = null!;

        public PostgresBufferStore Store { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            server = await PostgresServer.StartAsync("buffers");
            var connectionString = server.ConnectionString("buffers");
            await PostgresSchema.EnsureAsync(connectionString, NullLogger.Instance);
            source = NpgsqlDataSource.Create(connectionString);
            Store = new PostgresBufferStore(source);
        }

        public async Task DisposeAsync()
        {
            await source.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await server.DisposeAsync();
        }
    }
}
