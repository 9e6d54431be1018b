"""The ``legacy_import`` schema: what the import keeps between runs, outside ``public``.

- ``quarantine``: each source row a rule refused, whole, with the rule, a message, and for a
  duplicate the key of the row that was kept. Recomputed for a step each time it runs, so a row
  corrected in the source comes in on the next run.
- ``id_map``: old integer id -> new UUIDv7, per legacy table; it serves every reference,
  including the ones held in text or JSON.
- ``set_aside_ddl``: indexes and foreign keys dropped during a large write, until rebuilt.
- ``runs``: one row per import, with its report.

Nothing in it is reachable by the API roles; the runbook drops it once the shop has moved.
"""

SCHEMA = "legacy_import"

DDL = """
CREATE SCHEMA IF NOT EXISTS legacy_import;
REVOKE ALL ON SCHEMA legacy_import FROM PUBLIC;
COMMENT ON SCHEMA legacy_import IS
    'manage.py import_legacy: quarantined rows, old id -> new id, runs. Drop after cutover.';

CREATE TABLE IF NOT EXISTS legacy_import.quarantine (
    step text NOT NULL,            -- the target table the row was on its way to
    source_table text NOT NULL,
    source_key text NOT NULL,
    rule text NOT NULL,
    message text NOT NULL,
    kept_key text,                 -- a duplicate: the source key of the row that was kept
    source_row jsonb NOT NULL,     -- the row as the source holds it
    quarantined_at timestamptz NOT NULL DEFAULT statement_timestamp(),
    PRIMARY KEY (step, source_key)
);

CREATE TABLE IF NOT EXISTS legacy_import.id_map (
    source_table text NOT NULL,
    old_id text NOT NULL,
    new_id uuid NOT NULL UNIQUE,
    PRIMARY KEY (source_table, old_id)
);

-- Indexes and foreign keys dropped for a large write (adoption/bulk.py), until rebuilt.
CREATE TABLE IF NOT EXISTS legacy_import.set_aside_ddl (
    table_name text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('index', 'foreign key')),
    definition text NOT NULL,
    PRIMARY KEY (table_name, name)
);

CREATE TABLE IF NOT EXISTS legacy_import.runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT statement_timestamp(),
    finished_at timestamptz,
    report jsonb
);

-- A UUIDv7 whose time part is the given moment and whose other bits come from the seed, so
-- the same legacy row gets the same new id on every run (resume, re-run) and new ids sort by
-- the old rows' age.
CREATE OR REPLACE FUNCTION legacy_import.uuid_v7_at(moment timestamptz, seed text)
RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT encode(
        set_byte(set_byte(
            overlay(decode(md5(seed), 'hex')
                    PLACING substring(int8send(floor(extract(epoch FROM moment) * 1000)::bigint)
                                      FROM 3)
                    FROM 1 FOR 6),
            6, (get_byte(decode(md5(seed), 'hex'), 6) & 15) | 112),   -- version 7
            8, (get_byte(decode(md5(seed), 'hex'), 8) & 63) | 128),   -- variant 10
        'hex')::uuid
$$;

-- Whether a text has a form of the given type (PostgreSQL 16's pg_input_is_valid, on 15).
CREATE OR REPLACE FUNCTION legacy_import.castable(value text, type_name text)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF value IS NULL THEN
        RETURN true;
    END IF;
    IF type_name = 'smallint' THEN
        RETURN value ~ '^\\s*-?[0-9]{1,5}\\s*$' AND value::integer BETWEEN -32768 AND 32767;
    END IF;
    EXECUTE format('SELECT %L::%s', value, type_name);
    RETURN true;
EXCEPTION WHEN data_exception THEN
    RETURN false;
END
$$;
"""
