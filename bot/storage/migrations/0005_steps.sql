-- 0005: durable timed steps. Every step the bot owes a space (post a day's question, reveal blind
-- answers, remind, close, post the results) is a row: claimed with a lease in one conditional
-- UPDATE, marked done only after the platform confirmed, retried with backoff, given up after a day.

CREATE TABLE steps (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('post', 'reveal', 'remind', 'close', 'results')),
    space_id TEXT NOT NULL,
    round_id INTEGER REFERENCES rounds (id) ON DELETE CASCADE,
    local_date TEXT,
    state TEXT NOT NULL DEFAULT 'due' CHECK (state IN ('due', 'running', 'done', 'failed')),
    due_at TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    manual INTEGER NOT NULL DEFAULT 0, -- a post an admin asked for: made even when paused or on an off day
    lease_owner TEXT,
    lease_until TEXT,
    last_error TEXT,
    finished_at TEXT,
    CHECK ((kind = 'post') = (round_id IS NULL))
);
-- One step of a kind per round, and one post step per space and local date.
CREATE UNIQUE INDEX steps_round_kind ON steps (round_id, kind) WHERE round_id IS NOT NULL;
CREATE UNIQUE INDEX steps_post_date ON steps (space_id, local_date) WHERE kind = 'post';
CREATE INDEX steps_ready ON steps (state, next_attempt_at);

-- Each message a step posts, recorded as soon as it is sent, so a retry posts only what is missing.
CREATE TABLE step_messages (
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    part TEXT NOT NULL,
    message_ref TEXT NOT NULL,
    PRIMARY KEY (round_id, part)
);

-- A platform fault an admin can fix (a lost permission, a deleted channel): shown with its fix
-- until a step of the space succeeds.
ALTER TABLE spaces ADD COLUMN fault TEXT;
ALTER TABLE spaces ADD COLUMN fault_at TEXT;
