import random

from bot.core.selection import pick_daily_question


def test_unused_questions_come_first_and_types_rotate(bank):
    first = pick_daily_question(bank, [], random.Random(1))
    second = pick_daily_question(bank, [first.id], random.Random(1))
    third = pick_daily_question(bank, [second.id, first.id], random.Random(1))
    assert len({first.id, second.id, third.id}) == 3
    assert len({first.type, second.type, third.type}) == 3


def test_a_space_that_used_everything_many_times_still_gets_the_least_recent(bank):
    ids = sorted(bank.questions)
    history = [ids[0], ids[1], ids[2]] * 50  # most recent first: ids[0] was used last
    for seed in range(20):
        picked = pick_daily_question(bank, history, random.Random(seed))
        assert picked.id != ids[0]
