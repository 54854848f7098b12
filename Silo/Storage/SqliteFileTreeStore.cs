using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using MyOwnCluster.Files;

namespace MyOwnCluster.Silo.Storage;

/// <summary>
/// Function file trees in the embedded store (<c>moc.db</c>, beside grain state): a head row per tree, a row per node
/// indexed by (tree, parent, name), and reference-counted contents shared by every tree. A commit is one IMMEDIATE
/// transaction, so it waits for other writers and then applies everything or nothing.
/// </summary>
public sealed class SqliteFileTreeStore : IFileTreeStore
{
    private const string NodeColumns = "id, parent, name, kind, size, atime_ns, mtime_ns, ctime_ns, content";
    private readonly string connectionString;

    public SqliteFileTreeStore(string databasePath)
    {
        connectionString = SqliteStore.ConnectionString(databasePath);
        using var connection = SqliteStore.Open(connectionString);
        SqliteStore.Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS file_tree (
                tree        TEXT NOT NULL PRIMARY KEY,
                version     INTEGER NOT NULL,
                used_bytes  INTEGER NOT NULL,
                entry_count INTEGER NOT NULL,
                next_id     INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS file_node (
                tree     TEXT NOT NULL,
                id       INTEGER NOT NULL,
                parent   INTEGER NOT NULL,
                name     TEXT NOT NULL,
                kind     INTEGER NOT NULL,
                size     INTEGER NOT NULL,
                atime_ns INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL,
                ctime_ns INTEGER NOT NULL,
                content  TEXT,
                PRIMARY KEY (tree, id)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS file_node_by_name ON file_node (tree, parent, name);
            CREATE TABLE IF NOT EXISTS file_content (
                hash  TEXT NOT NULL PRIMARY KEY,
                refs  INTEGER NOT NULL,
                bytes BLOB NOT NULL
            );
            """);
    }

    public FileTreeHead ReadHead(string tree)
    {
        using var connection = SqliteStore.Open(connectionString);
        using var command = Command(connection, "SELECT version, used_bytes, entry_count, next_id FROM file_tree WHERE tree = $tree", tree);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new FileTreeHead(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt64(3)) : FileTreeHead.Empty;
    }

    public FileNodeRow? Find(string tree, long parent, string name)
    {
        using var connection = SqliteStore.Open(connectionString);
        using var command = Command(connection, $"SELECT {NodeColumns} FROM file_node WHERE tree = $tree AND parent = $parent AND name = $name", tree);
        command.Parameters.AddWithValue("$parent", parent);
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadNode(reader) : null;
    }

    public IReadOnlyList<FileNodeRow> List(string tree, long parent)
    {
        using var connection = SqliteStore.Open(connectionString);
        using var command = Command(connection, $"SELECT {NodeColumns} FROM file_node WHERE tree = $tree AND parent = $parent ORDER BY name", tree);
        command.Parameters.AddWithValue("$parent", parent);
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
        using var connection = SqliteStore.Open(connectionString);
        using var command = Command(connection, "SELECT bytes FROM file_content WHERE hash = $hash", null);
        command.Parameters.AddWithValue("$hash", hash);
        return command.ExecuteScalar() as byte[];
    }

    public Task<long> CommitAsync(string tree, FileTreeCommit commit) => Task.Run(() => Commit(tree, commit));

    private long Commit(string tree, FileTreeCommit commit)
    {
        using var connection = SqliteStore.Open(connectionString);
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = MoveHead(connection, tree, commit);
        if (version < 0)
        {
            return -1;
        }

        var contents = commit.Contents.ToList();
        if (commit.ReplaceAll)
        {
            contents.AddRange(DropAllNodes(connection, tree));
        }

        using (var delete = Command(connection, "DELETE FROM file_node WHERE tree = $tree AND id = $id", tree))
        {
            var id = delete.Parameters.Add("$id", SqliteType.Integer);
            foreach (var deleted in commit.Deletes)
            {
                id.Value = deleted;
                delete.ExecuteNonQuery();
            }
        }

        WriteNodes(connection, tree, commit.Upserts);
        ChangeReferences(connection, contents);
        transaction.Commit();
        return version;
    }

    /// <summary>The version check and the new totals in one statement; -1 when the tree is not at the expected version.</summary>
    private static long MoveHead(SqliteConnection connection, string tree, FileTreeCommit commit)
    {
        var sql = commit.ReplaceAll
            ? """
              INSERT INTO file_tree (tree, version, used_bytes, entry_count, next_id) VALUES ($tree, 1, $used, $entries, $next)
              ON CONFLICT (tree) DO UPDATE SET version = version + 1, used_bytes = $used, entry_count = $entries, next_id = $next
              RETURNING version
              """
            : commit.ExpectedVersion == 0
                ? """
                  INSERT INTO file_tree (tree, version, used_bytes, entry_count, next_id) VALUES ($tree, 1, $used, $entries, $next)
                  ON CONFLICT (tree) DO NOTHING RETURNING version
                  """
                : """
                  UPDATE file_tree SET version = version + 1, used_bytes = $used, entry_count = $entries, next_id = $next
                  WHERE tree = $tree AND version = $expected RETURNING version
                  """;
        using var command = Command(connection, sql, tree);
        command.Parameters.AddWithValue("$used", commit.UsedBytes);
        command.Parameters.AddWithValue("$entries", commit.EntryCount);
        command.Parameters.AddWithValue("$next", commit.NextId);
        command.Parameters.AddWithValue("$expected", commit.ExpectedVersion);
        return command.ExecuteScalar() is long version ? version : -1;
    }

    /// <summary>Deletes every node of the tree; the references their contents lose.</summary>
    private static List<FileContentChange> DropAllNodes(SqliteConnection connection, string tree)
    {
        var dropped = new List<FileContentChange>();
        using (var select = Command(connection,
            "SELECT content, count(*) FROM file_node WHERE tree = $tree AND content IS NOT NULL GROUP BY content", tree))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                dropped.Add(new FileContentChange(reader.GetString(0), -reader.GetInt32(1), default));
            }
        }

        using var delete = Command(connection, "DELETE FROM file_node WHERE tree = $tree", tree);
        delete.ExecuteNonQuery();
        return dropped;
    }

    private static void WriteNodes(SqliteConnection connection, string tree, IReadOnlyList<FileNodeRow> rows)
    {
        using var upsert = Command(connection, $"""
            INSERT INTO file_node (tree, {NodeColumns}) VALUES ($tree, $id, $parent, $name, $kind, $size, $atime, $mtime, $ctime, $content)
            ON CONFLICT (tree, id) DO UPDATE SET parent = excluded.parent, name = excluded.name, kind = excluded.kind, size = excluded.size,
                atime_ns = excluded.atime_ns, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, content = excluded.content
            """, tree);
        var parameters = new[] { "$id", "$parent", "$name", "$kind", "$size", "$atime", "$mtime", "$ctime", "$content" }
            .Select(name => upsert.Parameters.Add(name, SqliteType.Integer)).ToArray();
        foreach (var row in rows)
        {
            object?[] values = [row.Id, row.Parent, row.Name, (int)row.Kind, row.Size, row.AccessTimeNs, row.ModifyTimeNs, row.ChangeTimeNs, row.ContentHash];
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            upsert.ExecuteNonQuery();
        }
    }

    /// <summary>Adds and drops references by hash (net per hash); a content nothing references any more is deleted.</summary>
    private static void ChangeReferences(SqliteConnection connection, List<FileContentChange> changes)
    {
        using var add = Command(connection, """
            INSERT INTO file_content (hash, refs, bytes) VALUES ($hash, $refs, $bytes)
            ON CONFLICT (hash) DO UPDATE SET refs = refs + excluded.refs
            """, null);
        using var drop = Command(connection, "UPDATE file_content SET refs = refs + $refs WHERE hash = $hash", null);
        using var collect = Command(connection, "DELETE FROM file_content WHERE hash = $hash AND refs <= 0", null);
        foreach (var group in changes.GroupBy(change => change.Hash, StringComparer.Ordinal))
        {
            var references = group.Sum(change => change.References);
            var bytes = group.FirstOrDefault(change => change.References > 0)?.Bytes ?? default;
            if (references > 0)
            {
                Run(add, ("$hash", group.Key), ("$refs", references), ("$bytes", WholeArray(bytes)));
            }
            else if (references < 0)
            {
                Run(drop, ("$hash", group.Key), ("$refs", references));
                Run(collect, ("$hash", group.Key));
            }
        }
    }

    private static byte[] WholeArray(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToArray();

    private static void Run(SqliteCommand command, params (string Name, object Value)[] parameters)
    {
        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, string? tree)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        if (tree is not null)
        {
            command.Parameters.AddWithValue("$tree", tree);
        }

        return command;
    }

    private static FileNodeRow ReadNode(SqliteDataReader reader) => new(
        reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), (FileNodeKind)reader.GetInt32(3), reader.GetInt64(4),
        reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetString(8));
}
