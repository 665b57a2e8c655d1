-- 0003 (PostgreSQL twin of migrations/0003_meta.sql): key/value facts about the deployment.
CREATE TABLE meta (
    key text PRIMARY KEY,
    value text NOT NULL
);
