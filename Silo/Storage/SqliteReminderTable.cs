using System.Globalization;
using Microsoft.Data.Sqlite;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Orleans reminders in the embedded SQLite store (same file as grain state, same durability settings): one row per
/// (grain, reminder name) with the grain's uniform hash for the range reads of the reminder service.
/// </summary>
public sealed class SqliteReminderTable : IReminderTable
{
    private readonly string connectionString;

    public SqliteReminderTable(string databasePath)
    {
        connectionString = SqliteStore.ConnectionString(databasePath);
    }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        using var connection = SqliteStore.Open(connectionString);
        SqliteStore.Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS reminders (
                grain_id      TEXT NOT NULL,
                reminder_name TEXT NOT NULL,
                grain_hash    INTEGER NOT NULL,
                start_at      TEXT NOT NULL,
                period_ms     INTEGER NOT NULL,
                etag          INTEGER NOT NULL,
                PRIMARY KEY (grain_id, reminder_name)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS reminders_by_hash ON reminders (grain_hash);
            """);
        return Task.CompletedTask;
    }

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        QueryAsync("WHERE grain_id = $g", command => command.Parameters.AddWithValue("$g", grainId.ToString()));

    public Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        // (begin, end]; when begin >= end the range wraps around the ring.
        var where = begin < end ? "WHERE grain_hash > $b AND grain_hash <= $e" : "WHERE grain_hash > $b OR grain_hash <= $e";
        return QueryAsync(where, command =>
        {
            command.Parameters.AddWithValue("$b", (long)begin);
            command.Parameters.AddWithValue("$e", (long)end);
        });
    }

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var rows = await QueryAsync("WHERE grain_id = $g AND reminder_name = $n", command =>
        {
            command.Parameters.AddWithValue("$g", grainId.ToString());
            command.Parameters.AddWithValue("$n", reminderName);
        });
        return rows.Reminders.FirstOrDefault();
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        await using var connection = SqliteStore.Open(connectionString);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO reminders (grain_id, reminder_name, grain_hash, start_at, period_ms, etag)
            VALUES ($g, $n, $h, $s, $p, 1)
            ON CONFLICT (grain_id, reminder_name) DO UPDATE
                SET grain_hash = $h, start_at = $s, period_ms = $p, etag = etag + 1
            RETURNING etag
            """;
        command.Parameters.AddWithValue("$g", entry.GrainId.ToString());
        command.Parameters.AddWithValue("$n", entry.ReminderName);
        command.Parameters.AddWithValue("$h", (long)entry.GrainId.GetUniformHashCode());
        command.Parameters.AddWithValue("$s", entry.StartAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$p", (long)entry.Period.TotalMilliseconds);
        var etag = (long)(await command.ExecuteScalarAsync())!;
        return etag.ToString(CultureInfo.InvariantCulture);
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        await using var connection = SqliteStore.Open(connectionString);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM reminders WHERE grain_id = $g AND reminder_name = $n AND etag = $e";
        command.Parameters.AddWithValue("$g", grainId.ToString());
        command.Parameters.AddWithValue("$n", reminderName);
        command.Parameters.AddWithValue("$e", long.TryParse(eTag, CultureInfo.InvariantCulture, out var etag) ? etag : -1);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task TestOnlyClearTable()
    {
        await using var connection = SqliteStore.Open(connectionString);
        SqliteStore.Execute(connection, "DELETE FROM reminders");
    }

    private async Task<ReminderTableData> QueryAsync(string where, Action<SqliteCommand> bind)
    {
        await using var connection = SqliteStore.Open(connectionString);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_id, reminder_name, start_at, period_ms, etag FROM reminders " + where;
        bind(command);
        var entries = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = DateTime.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                ETag = reader.GetInt64(4).ToString(CultureInfo.InvariantCulture),
            });
        }

        return new ReminderTableData(entries);
    }
}
