-- 0006: a drill answer is stored the moment it is submitted, before the key points are shown,
-- so a reply too long for Discord never loses it. Its id rides in the "Score yourself" and
-- "Share for peer votes" buttons and is checked against the member and the space. shared_at is
-- set once by a conditional update (WHERE shared_at IS NULL), so a drill is shared at most once,
-- whatever the replays or double presses.
CREATE TABLE drill_answers (
    id INTEGER PRIMARY KEY,
    space_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    question_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    shared_at TEXT
);
CREATE INDEX drill_answers_member ON drill_answers (space_id, member_id);
