-- Schema version 5: the registry (一企一档).
--
-- One row per registry record: its kind (town, water_body, section,
-- air_station, noise_point, enterprise, outlet, permit, limit, device), its
-- natural key within the kind, its status and its content as JSON (the
-- `store::RegistryEntity` of that kind). The registry is small (hundreds to a
-- few thousand rows) and always validated as a whole by the `registry`
-- service before it is written, so one table keeps both backends simple.
--
-- Sections, air stations, noise points and outlets are linked 1:1 to the
-- `point` their readings belong to (`point_id`, same code); devices live in
-- `device`, which the gateway authenticates against; an active permit limit
-- is copied to `point_limit`, which evaluation judges exceedance against.
--
-- Records are retired, never deleted: a trigger refuses DELETE.
CREATE TABLE registry_record (
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('active', 'retired')),
    sample     INTEGER NOT NULL,
    point_id   INTEGER REFERENCES point (id),
    data       TEXT    NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE UNIQUE INDEX registry_record_by_point ON registry_record (point_id) WHERE point_id IS NOT NULL;

CREATE TRIGGER registry_record_no_delete BEFORE DELETE ON registry_record
BEGIN
    SELECT RAISE(ABORT, 'registry records are retired, never deleted');
END;

-- A device retired in the registry is kept (its packets are evidence) but no
-- longer authenticated: `device_by_mn` skips it.
ALTER TABLE device ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
