
CREATE TABLE IF NOT EXISTS moc_invocations (
    id         text COLLATE "C" PRIMARY KEY,
    owner      text NOT NULL,
    finished   boolean NOT NULL,
    version    bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    record     bytea NOT NULL
);

CREATE INDEX IF NOT EXISTS moc_invocations_by_progress ON moc_invocations (finished, updated_at);
