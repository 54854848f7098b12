-- MyOwnCluster's PostgreSQL schema for the Orleans ADO.NET providers (clustering, grain storage "store", reminders).
-- The providers read their SQL from the OrleansQuery table (key -> text, named @parameters); the keys, parameter
-- names and result columns below are the contract of Microsoft.Orleans.*.AdoNet 10.4.2. Every statement is
-- idempotent: PostgresSchema runs this file under an advisory lock when moc_schema is older than it.
-- Parameters are cast explicitly: the providers send NULLs without a type.

CREATE TABLE IF NOT EXISTS OrleansQuery (
    QueryKey  varchar(64) PRIMARY KEY,
    QueryText text NOT NULL
);

CREATE TABLE IF NOT EXISTS moc_schema (
    id      int PRIMARY KEY CHECK (id = 1),
    version int NOT NULL
);

-- Membership: one version row per cluster (the table's optimistic-concurrency etag) and one row per silo incarnation.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable (
    DeploymentId varchar(150) PRIMARY KEY,
    Timestamp    timestamptz NOT NULL DEFAULT now(),
    Version      int NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable (
    DeploymentId varchar(150) NOT NULL REFERENCES OrleansMembershipVersionTable (DeploymentId) ON DELETE CASCADE,
    Address      varchar(45) NOT NULL,
    Port         int NOT NULL,
    Generation   int NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       int NOT NULL,
    ProxyPort    int NULL,
    SuspectTimes text NULL,
    StartTime    timestamptz NOT NULL,
    IAmAliveTime timestamptz NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

-- Bumps the table version only if the caller saw the current one, then applies the change; either both happen or
-- neither (the inner block rolls back), and the caller learns which from the returned count.
CREATE OR REPLACE FUNCTION moc_insert_member(
    deployment varchar, address_ varchar, port_ int, generation_ int, silo_name varchar, host_name varchar,
    status_ int, proxy_port int, start_time timestamptz, alive_time timestamptz, expected_version int)
RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
    BEGIN
        UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now()
            WHERE DeploymentId = deployment AND Version = expected_version;
        IF NOT FOUND THEN RETURN 0; END IF;
        INSERT INTO OrleansMembershipTable
            (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
            VALUES (deployment, address_, port_, generation_, silo_name, host_name, status_, proxy_port, start_time, alive_time)
            ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN RAISE EXCEPTION 'member exists' USING ERRCODE = 'unique_violation'; END IF;
        RETURN 1;
    EXCEPTION WHEN unique_violation THEN
        RETURN 0;
    END;
END
$fn$;

CREATE OR REPLACE FUNCTION moc_update_member(
    deployment varchar, address_ varchar, port_ int, generation_ int, status_ int, suspect_times text,
    alive_time timestamptz, expected_version int)
RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
    BEGIN
        UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now()
            WHERE DeploymentId = deployment AND Version = expected_version;
        IF NOT FOUND THEN RETURN 0; END IF;
        UPDATE OrleansMembershipTable
            SET Status = status_, SuspectTimes = suspect_times, IAmAliveTime = GREATEST(IAmAliveTime, alive_time)
            WHERE DeploymentId = deployment AND Address = address_ AND Port = port_ AND Generation = generation_;
        IF NOT FOUND THEN RAISE EXCEPTION 'no such member' USING ERRCODE = 'no_data_found'; END IF;
        RETURN 1;
    EXCEPTION WHEN no_data_found THEN
        RETURN 0;
    END;
END
$fn$;

-- Grain state: one row per (service, grain type, grain id); Version is the etag (NULL etag = no row yet).
CREATE TABLE IF NOT EXISTS OrleansStorage (
    ServiceId              varchar(150) NOT NULL,
    GrainTypeHash          int NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdHash            int NOT NULL,
    GrainIdN0              bigint NOT NULL,
    GrainIdN1              bigint NOT NULL,
    GrainIdExtensionString varchar(1024) NOT NULL,
    PayloadBinary          bytea NULL,
    ModifiedOn             timestamptz NOT NULL,
    Version                int NOT NULL,
    PRIMARY KEY (ServiceId, GrainTypeHash, GrainIdHash, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString)
);

-- Answers the new version when the write happened, the unchanged version (or no row) when the etag was stale:
-- AdoNetGrainStorage turns "same version as sent" into an InconsistentStateException.
CREATE OR REPLACE FUNCTION moc_write_state(
    service varchar, type_hash int, type_name varchar, id_hash int, n0 bigint, n1 bigint, extension varchar,
    expected_version int, payload bytea)
RETURNS TABLE (NewGrainStateVersion int) LANGUAGE plpgsql AS $fn$
DECLARE
    written boolean;
BEGIN
    IF expected_version IS NULL THEN
        INSERT INTO OrleansStorage VALUES
            (service, type_hash, type_name, id_hash, n0, n1, COALESCE(extension, ''), payload, now(), 1)
            ON CONFLICT DO NOTHING;
        IF FOUND THEN RETURN QUERY SELECT 1; END IF;
        RETURN;
    END IF;
    UPDATE OrleansStorage SET PayloadBinary = payload, ModifiedOn = now(), Version = Version + 1
        WHERE ServiceId = service AND GrainTypeHash = type_hash AND GrainIdHash = id_hash AND GrainTypeString = type_name
          AND GrainIdN0 = n0 AND GrainIdN1 = n1 AND GrainIdExtensionString = COALESCE(extension, '')
          AND Version = expected_version;
    written := FOUND;
    RETURN QUERY SELECT CASE WHEN written THEN expected_version + 1 ELSE expected_version END;
END
$fn$;

-- Reminders: GrainHash is the grain's uniform hash as a signed int, for the ring-range reads.
CREATE TABLE IF NOT EXISTS OrleansRemindersTable (
    ServiceId    varchar(150) NOT NULL,
    GrainId      varchar(1024) NOT NULL,
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz NOT NULL,
    Period       bigint NOT NULL,
    GrainHash    int NOT NULL,
    Version      int NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);
CREATE INDEX IF NOT EXISTS ix_reminders_hash ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
    WITH inserted AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId::varchar)
        ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count(*)::int FROM inserted$q$),
('InsertMembershipKey', $q$
    SELECT moc_insert_member(@DeploymentId::varchar, @Address::varchar, @Port::int, @Generation::int,
        @SiloName::varchar, @HostName::varchar, @Status::int, @ProxyPort::int, @StartTime::timestamptz,
        @IAmAliveTime::timestamptz, @Version::int)$q$),
('UpdateMembershipKey', $q$
    SELECT moc_update_member(@DeploymentId::varchar, @Address::varchar, @Port::int, @Generation::int, @Status::int,
        @SuspectTimes::text, @IAmAliveTime::timestamptz, @Version::int)$q$),
('UpdateIAmAlivetimeKey', $q$
    UPDATE OrleansMembershipTable SET IAmAliveTime = GREATEST(IAmAliveTime, @IAmAliveTime::timestamptz)
    WHERE DeploymentId = @DeploymentId::varchar AND Address = @Address::varchar AND Port = @Port::int
      AND Generation = @Generation::int$q$),
('MembershipReadAllKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId::varchar$q$),
('MembershipReadRowKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId AND m.Address = @Address::varchar
         AND m.Port = @Port::int AND m.Generation = @Generation::int
    WHERE v.DeploymentId = @DeploymentId::varchar$q$),
('GatewaysQueryKey', $q$
    SELECT Address, ProxyPort, Generation FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND Status = @Status::int AND ProxyPort > 0$q$),
('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId::varchar$q$),
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND IAmAliveTime < @IAmAliveTime::timestamptz AND Status = 6$q$),
('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND Address = @Address::varchar AND Port = @Port::int
      AND Generation = @Generation::int AND Status = 6$q$),
('ReadFromStorageKey', $q$
    SELECT PayloadBinary, Version FROM OrleansStorage
    WHERE ServiceId = @ServiceId::varchar AND GrainTypeHash = @GrainTypeHash::int AND GrainIdHash = @GrainIdHash::int
      AND GrainTypeString = @GrainTypeString::varchar AND GrainIdN0 = @GrainIdN0::bigint AND GrainIdN1 = @GrainIdN1::bigint
      AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString::varchar, '')$q$),
('WriteToStorageKey', $q$
    SELECT NewGrainStateVersion FROM moc_write_state(@ServiceId::varchar, @GrainTypeHash::int, @GrainTypeString::varchar,
        @GrainIdHash::int, @GrainIdN0::bigint, @GrainIdN1::bigint, @GrainIdExtensionString::varchar,
        @GrainStateVersion::int, @PayloadBinary::bytea)$q$),
('ClearStorageKey', $q$
    SELECT NewGrainStateVersion FROM moc_write_state(@ServiceId::varchar, @GrainTypeHash::int, @GrainTypeString::varchar,
        @GrainIdHash::int, @GrainIdN0::bigint, @GrainIdN1::bigint, @GrainIdExtensionString::varchar,
        @GrainStateVersion::int, NULL::bytea)$q$),
('DeleteStorageKey', $q$
    WITH deleted AS (
        DELETE FROM OrleansStorage
        WHERE ServiceId = @ServiceId::varchar AND GrainTypeHash = @GrainTypeHash::int AND GrainIdHash = @GrainIdHash::int
          AND GrainTypeString = @GrainTypeString::varchar AND GrainIdN0 = @GrainIdN0::bigint
          AND GrainIdN1 = @GrainIdN1::bigint AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString::varchar, '')
          AND Version = @GrainStateVersion::int
        RETURNING Version)
    SELECT COALESCE((SELECT Version + 1 FROM deleted), @GrainStateVersion::int) AS NewGrainStateVersion$q$),
('UpsertReminderRowKey', $q$
    INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES (@ServiceId::varchar, @GrainId::varchar, @ReminderName::varchar, @StartTime::timestamptz, @Period::bigint,
            @GrainHash::int, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
        SET StartTime = EXCLUDED.StartTime, Period = EXCLUDED.Period, GrainHash = EXCLUDED.GrainHash,
            Version = OrleansRemindersTable.Version + 1
    RETURNING Version$q$),
('ReadReminderRowsKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND GrainId = @GrainId::varchar$q$),
('ReadReminderRowKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND GrainId = @GrainId::varchar AND ReminderName = @ReminderName::varchar$q$),
('ReadRangeRows1Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND GrainHash > @BeginHash::int AND GrainHash <= @EndHash::int$q$),
('ReadRangeRows2Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId::varchar AND (GrainHash > @BeginHash::int OR GrainHash <= @EndHash::int)$q$),
('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM OrleansRemindersTable
        WHERE ServiceId = @ServiceId::varchar AND GrainId = @GrainId::varchar AND ReminderName = @ReminderName::varchar
          AND Version = @Version::int
        RETURNING 1)
    SELECT count(*)::int FROM deleted$q$),
('DeleteReminderRowsKey', $q$
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId::varchar$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
