using MyOwnCluster.Files;
using Npgsql;
using NpgsqlTypes;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Function file trees in the cluster's PostgreSQL (tables of Postgres/files.sql): the same rows as the embedded
/// store. A commit locks the tree's head row first (the version check), so commits of one tree queue up while other
/// trees commit alongside; shared contents change by row-level upserts.
/// </summary>
public sealed class PostgresFileTreeStore(string connectionString) : IFileTreeStore, IDisposable
{
    private const string NodeColumns = "id, parent, name, kind, size, atime_ns, mtime_ns, ctime_ns, content";
    private readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);

    public FileTreeHead ReadHead(string tree)
    {
        using var command = dataSource.CreateCommand("SELECT version, used_bytes, entry_count, next_id FROM file_tree WHERE tree = $1");
        command.Parameters.AddWithValue(tree);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new FileTreeHead(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt64(3)) : FileTreeHead.Empty;
    }

    public FileNodeRow? Find(string tree, long parent, string name)
    {
        using var command = dataSource.CreateCommand($"SELECT {NodeColumns} FROM file_node WHERE tree = $1 AND parent = $2 AND name = $3");
        command.Parameters.AddWithValue(tree);
        command.Parameters.AddWithValue(parent);
        command.Parameters.AddWithValue(name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadNode(reader) : null;
    }

    public IReadOnlyList<FileNodeRow> List(string tree, long parent)
    {
        using var command = dataSource.CreateCommand($"SELECT {NodeColumns} FROM file_node WHERE tree = $1 AND parent = $2 ORDER BY name");
        command.Parameters.AddWithValue(tree);
        command.Parameters.AddWithValue(parent);
        using var reader = command.ExecuteReader();
        var rows = new List<FileNodeRow>();
        while (reader.Read())
        {
            rows.Add(ReadNode(reader));
        }

        return rows;
    }

    public byte[]? ReadContent(string hash)
    {
        using var command = dataSource.CreateCommand("SELECT bytes FROM file_content WHERE hash = $1");
        command.Parameters.AddWithValue(hash);
        return command.ExecuteScalar() as byte[];
    }

    public async Task<long> CommitAsync(string tree, FileTreeCommit commit)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var version = await MoveHeadAsync(connection, tree, commit);
        if (version < 0)
        {
            return -1;
        }

        var contents = commit.Contents.ToList();
        if (commit.ReplaceAll)
        {
            contents.AddRange(await DropAllNodesAsync(connection, tree));
        }

        if (commit.Deletes.Count > 0)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM file_node WHERE tree = $1 AND id = ANY($2)", connection);
            delete.Parameters.AddWithValue(tree);
            delete.Parameters.AddWithValue(commit.Deletes.ToArray());
            await delete.ExecuteNonQueryAsync();
        }

        await WriteNodesAsync(connection, tree, commit.Upserts);
        await ChangeReferencesAsync(connection, contents);
        await transaction.CommitAsync();
        return version;
    }

    public void Dispose() => dataSource.Dispose();

    private static async Task<long> MoveHeadAsync(NpgsqlConnection connection, string tree, FileTreeCommit commit)
    {
        var sql = commit.ReplaceAll
            ? """
              INSERT INTO file_tree (tree, version, used_bytes, entry_count, next_id) VALUES ($1, 1, $2, $3, $4)
              ON CONFLICT (tree) DO UPDATE SET version = file_tree.version + 1, used_bytes = $2, entry_count = $3, next_id = $4
              RETURNING version
              """
            : commit.ExpectedVersion == 0
                ? """
                  INSERT INTO file_tree (tree, version, used_bytes, entry_count, next_id) VALUES ($1, 1, $2, $3, $4)
                  ON CONFLICT (tree) DO NOTHING RETURNING version
                  """
                : """
                  UPDATE file_tree SET version = version + 1, used_bytes = $2, entry_count = $3, next_id = $4
                  WHERE tree = $1 AND version = $5 RETURNING version
                  """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue(tree);
        command.Parameters.AddWithValue(commit.UsedBytes);
        command.Parameters.AddWithValue(commit.EntryCount);
        command.Parameters.AddWithValue(commit.NextId);
        if (!commit.ReplaceAll && commit.ExpectedVersion != 0)
        {
            command.Parameters.AddWithValue(commit.ExpectedVersion);
        }

        return await command.ExecuteScalarAsync() is long version ? version : -1;
    }

    private static async Task<List<FileContentChange>> DropAllNodesAsync(NpgsqlConnection connection, string tree)
    {
        var dropped = new List<FileContentChange>();
        await using (var select = new NpgsqlCommand(
            "SELECT content, count(*) FROM file_node WHERE tree = $1 AND content IS NOT NULL GROUP BY content", connection))
        {
            select.Parameters.AddWithValue(tree);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                dropped.Add(new FileContentChange(reader.GetString(0), -(int)reader.GetInt64(1), default));
            }
        }

        await using var delete = new NpgsqlCommand("DELETE FROM file_node WHERE tree = $1", connection);
        delete.Parameters.AddWithValue(tree);
        await delete.ExecuteNonQueryAsync();
        return dropped;
    }

    private static async Task WriteNodesAsync(NpgsqlConnection connection, string tree, IReadOnlyList<FileNodeRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        // One statement for the whole batch: the rows travel as arrays, unnested server-side.
        await using var upsert = new NpgsqlCommand($"""
            INSERT INTO file_node (tree, {NodeColumns})
            SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::smallint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[])
            ON CONFLICT (tree, id) DO UPDATE SET parent = excluded.parent, name = excluded.name, kind = excluded.kind, size = excluded.size,
                atime_ns = excluded.atime_ns, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, content = excluded.content
            """, connection);
        upsert.Parameters.AddWithValue(tree);
        upsert.Parameters.AddWithValue(rows.Select(row => row.Id).ToArray());
        upsert.Parameters.AddWithValue(rows.Select(row => row.Parent).ToArray());
        upsert.Parameters.AddWithValue(rows.Select(row => row.Name).ToArray());
        upsert.Parameters.AddWithValue(rows.Select(row => (short)row.Kind).ToArray());
        upsert.Parameters.AddWithValue(rows.Select(row => row.Size).ToArray());
        upsert.Parameters.AddWithValue(rows.Select(row => row.AccessTimeNs).ToArray());
        upsert.Parameters.AddWithValue(rows.Select(row => row.ModifyTimeNs).ToArray());
        upsert.Parameters.AddWithValue(rows.Select(row => row.ChangeTimeNs).ToArray());
        upsert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = rows.Select(row => row.ContentHash).ToArray() });
        await upsert.ExecuteNonQueryAsync();
    }

    /// <summary>Adds and drops references by hash (net per hash); a content nothing references any more is deleted.</summary>
    private static async Task ChangeReferencesAsync(NpgsqlConnection connection, List<FileContentChange> changes)
    {
        foreach (var group in changes.GroupBy(change => change.Hash, StringComparer.Ordinal))
        {
            var references = group.Sum(change => change.References);
            if (references == 0)
            {
                continue;
            }

            if (references > 0)
            {
                await using var add = new NpgsqlCommand(
                    "INSERT INTO file_content (hash, refs, bytes) VALUES ($1, $2, $3) ON CONFLICT (hash) DO UPDATE SET refs = file_content.refs + excluded.refs",
                    connection);
                add.Parameters.AddWithValue(group.Key);
                add.Parameters.AddWithValue((long)references);
                add.Parameters.AddWithValue(group.First(change => change.References > 0).Bytes);
                await add.ExecuteNonQueryAsync();
                continue;
            }

            // The row stays locked by the update until the commit: a concurrent reference waits, then re-adds the bytes.
            await using var drop = new NpgsqlCommand("UPDATE file_content SET refs = refs + $2 WHERE hash = $1", connection);
            drop.Parameters.AddWithValue(group.Key);
            drop.Parameters.AddWithValue((long)references);
            await drop.ExecuteNonQueryAsync();
            await using var collect = new NpgsqlCommand("DELETE FROM file_content WHERE hash = $1 AND refs <= 0", connection);
            collect.Parameters.AddWithValue(group.Key);
            await collect.ExecuteNonQueryAsync();
        }
    }

    private static FileNodeRow ReadNode(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), (FileNodeKind)reader.GetInt16(3), reader.GetInt64(4),
        reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetString(8));
}
