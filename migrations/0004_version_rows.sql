-- 0004: the record tables lose their foreign key to agent_versions; a
-- trigger on agent_versions takes over its one use, so deleting a version
-- still deletes every row it wrote.
--
-- Why: each row COPY inserts fired the key's check, a query against
-- agent_versions per row: half of the server's CPU in a replay (84,000
-- rows for the 46 days of history; README "Figures"). Only the sink writes
-- these tables, and only for the version it registered and holds the
-- lock of (pg_open.c), so the check never caught anything. checkpoints
-- and positions, a few rows per version, keep theirs.
--
-- The trigger also refuses to delete a version that a running perpd
-- holds (its advisory lock, pg_writer.c pg_version_lock): with the key,
-- that run's next COPY failed and its records went to the spool of a
-- version that no longer existed; now the delete fails and says why.

ALTER TABLE trades DROP CONSTRAINT trades_version_id_fkey;
ALTER TABLE round_trips DROP CONSTRAINT round_trips_version_id_fkey;
ALTER TABLE equity_snapshots DROP CONSTRAINT equity_snapshots_version_id_fkey;
ALTER TABLE position_snapshots DROP CONSTRAINT position_snapshots_version_id_fkey;
ALTER TABLE funding_payments DROP CONSTRAINT funding_payments_version_id_fkey;
ALTER TABLE liquidations DROP CONSTRAINT liquidations_version_id_fkey;
ALTER TABLE observations DROP CONSTRAINT observations_version_id_fkey;
ALTER TABLE decisions DROP CONSTRAINT decisions_version_id_fkey;
ALTER TABLE llm_calls DROP CONSTRAINT llm_calls_version_id_fkey;
ALTER TABLE rejections DROP CONSTRAINT rejections_version_id_fkey;
ALTER TABLE version_metrics DROP CONSTRAINT version_metrics_version_id_fkey;

CREATE FUNCTION agent_version_delete_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The lock class and key of pg_version_lock: free unless a perpd
    -- runs this version (held for the session, released at its exit).
    IF NOT pg_try_advisory_xact_lock(1886745201, hashtext(OLD.tag)) THEN
        RAISE EXCEPTION 'version % is running (a perpd holds it): stop that process first', OLD.tag
            USING ERRCODE = 'object_in_use';
    END IF;
    DELETE FROM trades WHERE version_id = OLD.id;
    DELETE FROM round_trips WHERE version_id = OLD.id;
    DELETE FROM equity_snapshots WHERE version_id = OLD.id;
    DELETE FROM position_snapshots WHERE version_id = OLD.id;
    DELETE FROM funding_payments WHERE version_id = OLD.id;
    DELETE FROM liquidations WHERE version_id = OLD.id;
    DELETE FROM observations WHERE version_id = OLD.id;
    DELETE FROM decisions WHERE version_id = OLD.id;
    DELETE FROM llm_calls WHERE version_id = OLD.id;
    DELETE FROM rejections WHERE version_id = OLD.id;
    DELETE FROM version_metrics WHERE version_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE TRIGGER agent_versions_delete_rows
    BEFORE DELETE ON agent_versions
    FOR EACH ROW EXECUTE FUNCTION agent_version_delete_rows();
