-- 0004 (PostgreSQL twin of migrations/0004_space_packs.sql): packs a server imported, as uploaded.
CREATE TABLE space_packs (
    space_id text NOT NULL,
    pack_id text NOT NULL,
    filename text NOT NULL,
    source bytea NOT NULL,
    imported_by text NOT NULL,
    imported_at timestamptz NOT NULL,
    PRIMARY KEY (space_id, pack_id)
);
