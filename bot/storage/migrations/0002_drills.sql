-- 0002: drills and personal practice (SPEC section 6). A member's private drill attempts with
-- their self-scores, one spaced-repetition card per (space, member, question) holding the FSRS
-- card as JSON with its due instant copied into an indexed column (so "what is due" is a range
-- scan, not a JSON parse per row), and /classify guesses for accuracy.
-- Instants are ISO-8601 UTC text, as in 0001, so text order is time order.

CREATE TABLE drill_attempts (
    id INTEGER PRIMARY KEY,
    space_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    -- The question's type when answered, so stats survive a pack that drops or retypes the question.
    qtype TEXT NOT NULL,
    answer TEXT NOT NULL,
    scores_json TEXT NOT NULL,
    ratio REAL NOT NULL CHECK (ratio BETWEEN 0 AND 1),
    created_at TEXT NOT NULL
);
CREATE INDEX drill_attempts_member ON drill_attempts (space_id, member_id, created_at);

CREATE TABLE drill_cards (
    space_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    card_json TEXT NOT NULL,
    due_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- Reviews so far: the version a writer must match, so two concurrent submits cannot lose one.
    reviews INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, member_id, question_id)
);
CREATE INDEX drill_cards_due ON drill_cards (space_id, member_id, due_at);

CREATE TABLE classify_attempts (
    id INTEGER PRIMARY KEY,
    space_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    guessed_type TEXT NOT NULL,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX classify_attempts_member ON classify_attempts (space_id, member_id, question_id);
