-- PostgreSQL twin of migrations/0008_seen_events.sql.
-- Inbound platform events already handled, so a redelivered one is handled once. Slack redelivers an
-- event it thinks failed (a late ack), with the same event_id; a row is kept about a day, then pruned.
CREATE TABLE seen_events (
    space_id TEXT NOT NULL,
    event_key TEXT NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (space_id, event_key)
);
CREATE INDEX seen_events_age ON seen_events (seen_at);
