-- 0001: the daily grill. Spaces (a Discord guild, later a Slack workspace) with their settings,
-- members, rounds with their question snapshot, answers, votes, and the leaderboard aggregate.
-- Instants are ISO-8601 UTC text ("2026-11-29T09:00:00+00:00"), so text order is time order.

CREATE TABLE spaces (
    space_id TEXT PRIMARY KEY,
    channel_ref TEXT,
    post_time TEXT NOT NULL DEFAULT '09:00',
    timezone TEXT NOT NULL DEFAULT 'UTC',
    weekdays TEXT NOT NULL DEFAULT '1,2,3,4,5,6,7',
    paused INTEGER NOT NULL DEFAULT 0,
    blind_mode INTEGER NOT NULL DEFAULT 0,
    answer_window_minutes INTEGER,
    close_before_next_minutes INTEGER NOT NULL DEFAULT 120,
    reminder_before_close_minutes INTEGER NOT NULL DEFAULT 180,
    updated_at TEXT NOT NULL
);

CREATE TABLE skips (
    space_id TEXT NOT NULL,
    local_date TEXT NOT NULL,
    PRIMARY KEY (space_id, local_date)
);

CREATE TABLE members (
    space_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, member_id)
);

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    space_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('daily', 'drill')),
    local_date TEXT,
    state TEXT NOT NULL CHECK (state IN ('posting', 'open', 'closing', 'closed')),
    question_id TEXT NOT NULL,
    qtype TEXT NOT NULL,
    question_json TEXT NOT NULL,
    channel_ref TEXT,
    message_ref TEXT,
    thread_ref TEXT,
    results_ref TEXT,
    blind INTEGER NOT NULL DEFAULT 0,
    reminded INTEGER NOT NULL DEFAULT 0,
    revealed INTEGER NOT NULL DEFAULT 0,
    opened_at TEXT NOT NULL,
    answers_close_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    seen_message_ref TEXT
);
-- At most one daily round per space per local date: the guard against double posts.
CREATE UNIQUE INDEX rounds_daily_date ON rounds (space_id, local_date) WHERE kind = 'daily';
CREATE INDEX rounds_state ON rounds (state, closes_at);

CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    body TEXT NOT NULL,
    message_ref TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    score REAL,
    UNIQUE (round_id, member_id)
);
CREATE INDEX answers_message ON answers (message_ref);

CREATE TABLE votes (
    answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    voter_id TEXT NOT NULL,
    scores_json TEXT NOT NULL,
    ratio REAL NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (answer_id, voter_id)
);

-- Running mean vote ratio per space and type: the prior the answer scores shrink toward.
CREATE TABLE type_means (
    space_id TEXT NOT NULL,
    qtype TEXT NOT NULL,
    ratio_sum REAL NOT NULL DEFAULT 0,
    votes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, qtype)
);

-- Leaderboard aggregate, one row per (space, type or '*', period key, member); period keys are
-- 'all', 'week:2026-W48' and 'month:2026-11'. Updated in the transaction of each vote and close,
-- so reading a board never scans votes.
CREATE TABLE board (
    space_id TEXT NOT NULL,
    qtype TEXT NOT NULL,
    period TEXT NOT NULL,
    member_id TEXT NOT NULL,
    points REAL NOT NULL DEFAULT 0,
    answers INTEGER NOT NULL DEFAULT 0,
    scored_answers INTEGER NOT NULL DEFAULT 0,
    score_sum REAL NOT NULL DEFAULT 0,
    votes_cast INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, qtype, period, member_id)
);
CREATE INDEX board_points ON board (space_id, qtype, period, points DESC);
