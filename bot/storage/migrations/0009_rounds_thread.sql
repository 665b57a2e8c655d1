-- A thread reply, a "Rate answer" or a form may reach a process that does not hold the round in its
-- cache (Slack gives any socket any payload): the round is then found by its thread, within its space.
CREATE INDEX rounds_thread ON rounds (space_id, thread_ref);
