-- 0003: small key/value facts about the deployment itself, such as the hash of the slash
-- commands last synced to Discord, so a restart syncs only when the definitions changed.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
