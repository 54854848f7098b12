
CREATE TABLE IF NOT EXISTS moc_buffers (
    id         text COLLATE "C" PRIMARY KEY,
    status     int NOT NULL,
    headers    text NOT NULL,
    length     bigint NOT NULL,
    chunks     int NOT NULL,
    durable    boolean NOT NULL,
    expires_at timestamptz
);

CREATE INDEX IF NOT EXISTS moc_buffers_by_expiry ON moc_buffers (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS moc_buffer_chunks (
    id    text COLLATE "C" NOT NULL,
    idx   int NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (id, idx)
);
