-- 0007 (PostgreSQL twin of migrations/0007_board_fixed_point.sql): leaderboard totals in exact
-- fixed point (points x 10,000, score sums x 1,000; bot/core/scoring.py), bigint so large groups
-- never overflow, and the indexes a board read walks in rank order. PostgreSQL changes the column
-- types in place where SQLite had to rebuild the table.
DROP INDEX board_points;
ALTER TABLE board ALTER COLUMN points DROP DEFAULT;
ALTER TABLE board ALTER COLUMN points TYPE bigint USING round(points * 10000)::bigint;
ALTER TABLE board ALTER COLUMN points SET DEFAULT 0;
ALTER TABLE board RENAME COLUMN points TO points_e4;
ALTER TABLE board ALTER COLUMN score_sum DROP DEFAULT;
ALTER TABLE board ALTER COLUMN score_sum TYPE bigint USING round(score_sum * 1000)::bigint;
ALTER TABLE board ALTER COLUMN score_sum SET DEFAULT 0;
ALTER TABLE board RENAME COLUMN score_sum TO score_sum_e3;

CREATE INDEX board_points ON board (space_id, qtype, period, points_e4 DESC, member_id);

-- Only rows that may show on the rating board (scoring.RATING_MIN_ANSWERS = 3 scored answers); the
-- expression is the one bot/storage/boards.py orders by, so the planner can walk this index.
CREATE INDEX board_rating ON board (
    space_id, qtype, period, (score_sum_e3 * 1.0 / scored_answers) DESC, member_id
) INCLUDE (score_sum_e3, scored_answers) WHERE scored_answers >= 3;

CREATE INDEX members_hidden ON members (space_id, member_id) WHERE hidden = 1;
