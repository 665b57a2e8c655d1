-- 0007: leaderboard totals in exact fixed point, and indexes that answer a board read without a sort.
-- Points and score sums were REAL sums, so totals that should tie differed by 1e-14 and the order
-- of a tie depended on the order of the additions. They are now integers: points x 10,000 and
-- score sums x 1,000 (bot/core/scoring.py: POINTS_SCALE, SCORE_SCALE), so equal totals are equal.
-- Existing totals are rounded to the new units.
-- A board read walks board_points (or board_rating) in rank order with the member-id tie-break,
-- stops after the top rows, and ranks the caller by an index-only count of the rows above; the
-- few hidden members are found through members_hidden. The indexes hold only what a vote's
-- credit must move, so the hot write stays cheap.
CREATE TABLE board_fixed (
    space_id TEXT NOT NULL,
    qtype TEXT NOT NULL,
    period TEXT NOT NULL,
    member_id TEXT NOT NULL,
    points_e4 INTEGER NOT NULL DEFAULT 0,
    answers INTEGER NOT NULL DEFAULT 0,
    scored_answers INTEGER NOT NULL DEFAULT 0,
    score_sum_e3 INTEGER NOT NULL DEFAULT 0,
    votes_cast INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space_id, qtype, period, member_id)
);

INSERT INTO board_fixed (space_id, qtype, period, member_id, points_e4, answers, scored_answers, score_sum_e3, votes_cast)
SELECT space_id, qtype, period, member_id, CAST(round(points * 10000) AS INTEGER), answers, scored_answers,
       CAST(round(score_sum * 1000) AS INTEGER), votes_cast
FROM board;

DROP TABLE board;

ALTER TABLE board_fixed RENAME TO board;

CREATE INDEX board_points ON board (space_id, qtype, period, points_e4 DESC, member_id);

-- Only rows that may show on the rating board (scoring.RATING_MIN_ANSWERS = 3 scored answers), so a
-- vote credit, which never changes a score sum, leaves this index alone.
-- The expression's columns ride along, so counting the rows above the caller reads the index only.
CREATE INDEX board_rating ON board (
    space_id, qtype, period, (score_sum_e3 * 1.0 / scored_answers) DESC, member_id, score_sum_e3, scored_answers
) WHERE scored_answers >= 3;

CREATE INDEX members_hidden ON members (space_id, member_id) WHERE hidden = 1;
