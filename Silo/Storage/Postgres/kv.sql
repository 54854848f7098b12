-- Key-value rows (one per namespace and key; keys are UTF-8 bytes, so bytea order is the order scans page in) and
-- each namespace's key count. Idempotent, run with schema.sql.
CREATE TABLE IF NOT EXISTS moc_kv (
    ns    text  NOT NULL,
    key   bytea NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (ns, key)
);

CREATE TABLE IF NOT EXISTS moc_kv_namespaces (
    ns   text   PRIMARY KEY,
    keys bigint NOT NULL
);
