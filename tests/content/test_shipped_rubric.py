"""Evaluation questions with no online component are not scored on 'online' (issue 12)."""

from bot.core.content import load_bank
from tests.conftest import SHIPPED_CONTENT

OFFLINE_RUBRIC = ("correctness", "objective", "protocol", "bridge")
ONLINE_WORDS = ("a/b", "online", "canary", "shadow", "after launch", "production traffic")


def test_offline_evaluation_questions_drop_the_online_criterion():
    bank = load_bank(SHIPPED_CONTENT)
    evaluation = [q for q in bank.questions.values() if q.type == "evaluation"]
    narrowed = [q for q in evaluation if q.rubric]
    assert len(narrowed) >= 21
    for q in narrowed:
        assert q.rubric == OFFLINE_RUBRIC, q.id
        assert [c.id for c in bank.criteria_for(q)] == list(OFFLINE_RUBRIC)
        text = " ".join([q.prompt, *(p.text for p in q.key_points)]).lower()
        assert not any(word in text for word in ONLINE_WORDS), f"{q.id} has an online component"
