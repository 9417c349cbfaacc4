-- Qingshan schema, version 4: a hash chain over the evidence tables.
--
-- Each raw_packet and audit row carries chain_hash = SHA-256(previous row's
-- chain_hash ‖ canonical encoding of the row), in id order, one chain per table,
-- from a genesis of 32 zero bytes (the format is defined in the `evidence` crate).
-- SQL cannot compute SHA-256, so rows that predate this migration are left with a
-- NULL chain_hash here and hashed in id order when the store is next opened
-- (`store::sqlite::evidence::backfill`), in one transaction, before any new row.
-- chain_head keeps, per table, the number of rows, the last id and the last hash,
-- updated in the same transaction as the rows: it is how deleting the LAST rows is
-- detected (ids are INTEGER PRIMARY KEY without AUTOINCREMENT, so a gap at the end
-- leaves no trace in the table itself).

ALTER TABLE raw_packet ADD COLUMN chain_hash BLOB;
ALTER TABLE audit ADD COLUMN chain_hash BLOB;

-- The append-only triggers now allow exactly one kind of update: setting a
-- missing chain_hash (the backfill). Any other change is still refused.
DROP TRIGGER raw_packet_no_update;
CREATE TRIGGER raw_packet_no_update BEFORE UPDATE ON raw_packet
WHEN OLD.chain_hash IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.received_ms IS NOT OLD.received_ms OR NEW.peer IS NOT OLD.peer
  OR NEW.mn IS NOT OLD.mn OR NEW.device_id IS NOT OLD.device_id OR NEW.cn IS NOT OLD.cn
  OR NEW.verdict IS NOT OLD.verdict OR NEW.reason IS NOT OLD.reason
  OR NEW.deviations IS NOT OLD.deviations OR NEW.bytes IS NOT OLD.bytes
BEGIN
    SELECT RAISE(ABORT, 'raw_packet is append-only evidence');
END;

DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN OLD.chain_hash IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.at_ms IS NOT OLD.at_ms OR NEW.actor IS NOT OLD.actor
  OR NEW.action IS NOT OLD.action OR NEW.subject IS NOT OLD.subject OR NEW.detail IS NOT OLD.detail
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only evidence');
END;

-- The head of each chain ("raw_packet", "audit").
CREATE TABLE chain_head (
    name      TEXT    PRIMARY KEY,
    n_records INTEGER NOT NULL,
    last_id   INTEGER NOT NULL,
    last_hash BLOB    NOT NULL
);
