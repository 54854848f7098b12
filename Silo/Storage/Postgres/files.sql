-- Function file trees stored per file (PostgresFileTreeStore): a head row per tree (version, quota totals, next node
-- id), a row per file or directory found by (tree, parent, name), and file contents by SHA-256, shared by every tree
-- and reference-counted. Idempotent: PostgresSchema runs it after schema.sql.

CREATE TABLE IF NOT EXISTS file_tree (
    tree        text COLLATE "C" PRIMARY KEY,
    version     bigint NOT NULL,
    used_bytes  bigint NOT NULL,
    entry_count int NOT NULL,
    next_id     bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS file_node (
    tree     text COLLATE "C" NOT NULL,
    id       bigint NOT NULL,
    parent   bigint NOT NULL,
    name     text COLLATE "C" NOT NULL,
    kind     smallint NOT NULL,
    size     bigint NOT NULL,
    atime_ns bigint NOT NULL,
    mtime_ns bigint NOT NULL,
    ctime_ns bigint NOT NULL,
    content  text,
    PRIMARY KEY (tree, id)
);

CREATE INDEX IF NOT EXISTS file_node_by_name ON file_node (tree, parent, name);

CREATE TABLE IF NOT EXISTS file_content (
    hash  text PRIMARY KEY,
    refs  bigint NOT NULL,
    bytes bytea NOT NULL
);
