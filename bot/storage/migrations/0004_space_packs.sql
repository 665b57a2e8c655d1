-- 0004: question packs a server's admins imported through /grill import. The YAML is kept as
-- uploaded, so the pack is validated and loaded again at every start exactly as it was accepted;
-- its questions are that server's only.
CREATE TABLE space_packs (
    space_id TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    source BLOB NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (space_id, pack_id)
);
