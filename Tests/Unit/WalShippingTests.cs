using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using MyOwnCluster.Silo.Backup;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

/// <summary>
/// Continuous backup ships each batch of transactions compacted to the last copy of every page. A real SQLite log,
/// shipped either way (compacted, or frame for frame as versions before compaction wrote it), restores to exactly the
/// live store's content through <see cref="ContinuousRestore"/>, and the compacted shipment is smaller when pages are
/// rewritten.
/// </summary>
public sealed class WalShippingTests : IDisposable
{
    private readonly string folder = TempDirectory.Create("moc-wal-shipping");

    public void Dispose() => TempDirectory.Delete(folder);

    [Fact]
    public void A_compacted_shipment_and_an_older_frame_for_frame_one_restore_the_same_store()
    {
        var live = Path.Combine(folder, "live.db");
        using var connection = LiveStore(live);
        SqliteFile.Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        var baseCopy = Path.Combine(folder, "base.db");
        File.Copy(live, baseCopy);

        // Inserts that grow the table, many rewrites of the same rows, and deletes: one batch of whole transactions.
        for (var i = 0; i < 300; i++)
        {
            SqliteFile.Execute(connection, $"INSERT INTO t(k, v) VALUES ({i}, '{new string('a', 200)}{i}')");
        }

        for (var round = 0; round < 20; round++)
        {
            SqliteFile.Execute(connection, $"UPDATE t SET v = 'round {round} ' || k WHERE k % 7 = {round % 7}");
        }

        SqliteFile.Execute(connection, "DELETE FROM t WHERE k >= 250");
        var expected = Dump(connection);

        var wal = File.ReadAllBytes(live + "-wal");
        var header = WalLog.ReadHeader(wal)!.Value;
        var start = new WalLog.Position(WalLog.HeaderSize, header.Checksum1, header.Checksum2);
        var end = WalLog.LastCommit(header, wal.AsSpan(WalLog.HeaderSize), start);
        var frames = wal.AsSpan(WalLog.HeaderSize, (int)(end.Offset - WalLog.HeaderSize)).ToArray();
        var compacted = WalLog.Compact(header, frames);
        Assert.True(compacted.Length < frames.Length / 4, $"compacted {compacted.Length} bytes of {frames.Length}");
        Assert.Equal(0, compacted.Length % header.FrameSize);

        // Two shipments, cut at the last commit in the first half of the log, as shipping cuts them.
        var cut = (int)(WalLog.LastCommit(header, frames.AsSpan(0, frames.Length / 2), start).Offset - WalLog.HeaderSize);
        Assert.InRange(cut, header.FrameSize, frames.Length - header.FrameSize);
        var shipments = new Dictionary<string, byte[][]>
        {
            ["compacted"] = [WalLog.Compact(header, frames.AsSpan(0, cut)), WalLog.Compact(header, frames.AsSpan(cut))],
            ["frame-for-frame"] = [frames[..cut], frames[cut..]],
        };
        foreach (var (name, segments) in shipments)
        {
            var backups = Path.Combine(folder, name);
            var generation = ContinuousSegments.NewGeneration(backups, DateTimeOffset.UtcNow.AddMinutes(-1));
            File.Copy(baseCopy, Path.Combine(generation, ContinuousSegments.BaseFile));
            ContinuousSegments.Write(generation, new ContinuousSegments.Segment(0, DateTimeOffset.UtcNow, wal[..WalLog.HeaderSize], segments[0]));
            ContinuousSegments.Write(generation, new ContinuousSegments.Segment(1, DateTimeOffset.UtcNow, null, segments[1]));

            var restored = Path.Combine(folder, name + ".db");
            ContinuousRestore.Restore(backups, restored, null, NullLogger.Instance);
            using var check = SqliteFile.Open(restored);
            Assert.Equal(expected, Dump(check));
        }
    }

    [Fact]
    public void A_transaction_larger_than_a_segment_is_shipped_whole_between_the_small_ones_around_it()
    {
        var (live, backups) = (Path.Combine(folder, "big.db"), Path.Combine(folder, "big-backups"));
        using var connection = LiveStore(live, "CREATE TABLE b(k INTEGER PRIMARY KEY, v BLOB);");
        using var backup = new ContinuousBackup(live, backups, new MyOwnCluster.Silo.Backup.BackupOptions(), NullLogger<ContinuousBackup>.Instance);
        backup.Tick();
        for (var i = 0; i < 200; i++)
        {
            SqliteFile.Execute(connection, $"INSERT INTO t(k, v) VALUES ({i}, 'before {i}')");
        }

        // Ten MiB in one transaction: more than a shipment reads before it looks for a commit.
        var big = new byte[10 << 20];
        new Random(7).NextBytes(big);
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO b(k, v) VALUES (1, $v)";
            insert.Parameters.AddWithValue("$v", big);
            insert.ExecuteNonQuery();
        }

        for (var i = 200; i < 300; i++)
        {
            SqliteFile.Execute(connection, $"INSERT INTO t(k, v) VALUES ({i}, 'after {i}')");
        }

        backup.Tick();
        Assert.Null(backup.LastError);
        Assert.Equal(0, backup.LagSeconds);
        var expected = Dump(connection);

        using var check = Restored(backups, "big-restored.db");
        Assert.Equal(expected, Dump(check));
        using var read = check.CreateCommand();
        read.CommandText = "SELECT v FROM b WHERE k = 1";
        Assert.True(big.AsSpan().SequenceEqual((byte[])read.ExecuteScalar()!), "the large transaction's blob came back different");
        Assert.True(Directory.GetFiles(Directory.GetDirectories(backups).Single(), "*.seg").Length >= 3, "the small transactions were not shipped apart from the large one");
    }

    [Fact]
    public void A_write_that_restarts_the_log_between_a_checkpoints_two_steps_is_shipped_in_the_same_generation()
    {
        var (live, backups) = (Path.Combine(folder, "restart.db"), Path.Combine(folder, "restart-backups"));
        using var connection = LiveStore(live);
        // Every tick past the first checkpoints: the log holds more than 1 byte.
        using var backup = new ContinuousBackup(live, backups, new MyOwnCluster.Silo.Backup.BackupOptions { ContinuousCheckpointBytes = 1 },
            NullLogger<ContinuousBackup>.Instance);
        backup.Tick();
        for (var i = 0; i < 50; i++)
        {
            SqliteFile.Execute(connection, $"INSERT INTO t(k, v) VALUES ({i}, 'before {i}')");
        }

        // The first step copied back the whole log (nothing was written after its snapshot): this write restarts it.
        var restarts = 0;
        byte[] Salts() => File.ReadAllBytes(live + "-wal")[16..24];
        backup.BetweenCheckpointSteps = () =>
        {
            var before = Salts();
            SqliteFile.Execute(connection, "INSERT INTO t(k, v) VALUES (1000, 'between the steps')");
            restarts += before.AsSpan().SequenceEqual(Salts()) ? 0 : 1;
        };
        backup.Tick();
        backup.BetweenCheckpointSteps = null;
        SqliteFile.Execute(connection, "INSERT INTO t(k, v) VALUES (1001, 'after')");
        backup.Tick();

        Assert.Equal(1, restarts);
        Assert.Null(backup.LastError);
        Assert.Single(Directory.GetDirectories(backups));
        var expected = Dump(connection);
        using var check = Restored(backups, "restart-restored.db");
        Assert.Equal(expected, Dump(check));
        Assert.Contains("1000=between the steps", expected);
    }

    /// <summary>A store in WAL mode with SQLite's own checkpoints off (as the silo runs it) and the table t.</summary>
    private static SqliteConnection LiveStore(string path, string moreSchema = "")
    {
        var connection = SqliteFile.Open(path);
        SqliteFile.Execute(connection, $"PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); {moreSchema}");
        return connection;
    }

    /// <summary>The continuous backup in <paramref name="backups"/> restored to a new store in the test's folder.</summary>
    private SqliteConnection Restored(string backups, string name)
    {
        var restored = Path.Combine(folder, name);
        ContinuousRestore.Restore(backups, restored, null, NullLogger.Instance);
        return SqliteFile.Open(restored);
    }

    private static List<string> Dump(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT k, v FROM t ORDER BY k";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add($"{reader.GetInt64(0)}={reader.GetString(1)}");
        }

        return rows;
    }
}
