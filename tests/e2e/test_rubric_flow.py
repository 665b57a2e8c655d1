"""Issue 12 through the double: anchors in the vote form, the Hint button, marked key points, long forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.content import load_bank
from tests.e2e.conftest import LaunchBot, StudyGroup
from tests.e2e.harness import Harness
from tests.e2e.test_grill_flow import answer, no_slow_or_unknown, set_up_and_post, text_of, the_round

pytestmark = pytest.mark.e2e

SHIPPED = load_bank(Path(__file__).resolve().parents[2] / "content")


async def test_the_vote_form_shows_each_criterions_anchors(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    alice, bob = study_group.admin, study_group.member
    await set_up_and_post(study_group)
    post, thread = await the_round(discord, study_group)
    await answer(discord, bob, thread, "Bob: my answer")
    picker = await (await alice.click(post, label="Vote")).reply()
    form = await alice.select(picker, [picker.component()["options"][0]["value"]])
    modal = await form.modal()

    [qtype] = [t for t in SHIPPED.types.values() if f"Daily grill · {t.name}" in post.text()]
    anchors = {c.id: c.anchors for c in qtype.criteria}
    rows = modal["components"]
    assert 3 <= len(rows) <= 5
    for row in rows:
        radio = row["component"]
        assert [o["value"] for o in radio["options"]] == ["0", "1", "2"]
        assert tuple(o["description"] for o in radio["options"]) == anchors[radio["custom_id"]]
    done = await text_of(await alice.submit_modal(form, {r["component"]["custom_id"]: "1" for r in rows}))
    assert "recorded" in done
    no_slow_or_unknown(discord)


PACK = b"""\
pack: ours
title: Our own
questions:
  - id: ours-full
    type: systems
    topics: [our-infra]
    difficulty: 2
    prompt: 'Plan the capacity of our GPU cluster for next year.'
    key_points: ['demand forecast', 'utilisation target']
  - id: ours-quick
    type: systems
    topics: [our-infra]
    difficulty: 1
    prompt: 'Why is our GPU cluster idle at night?'
    hint: 'Look at who submits jobs, and when.'
    long_form: ours-full
    key_points:
      - {text: 'preemptible batch jobs could fill it', bonus: true}
      - 'interactive jobs follow office hours'
      - {text: 'the scheduler caps night quotas', criterion: bottleneck}
"""


async def test_a_drill_offers_its_hint_privately_and_names_its_long_form(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    admin, bob, general = study_group.admin, study_group.member, study_group.general
    imported = await text_of(await admin.slash(general, "grill import", pack=discord.state.upload("ours.yaml", PACK)))
    assert "2 questions" in imported

    drill = await (await bob.slash(general, "drill", question="ours-quick")).reply()
    assert "Why is our GPU cluster idle at night?" in drill.text()
    hint = await (await bob.click(drill, label="Hint")).reply()
    assert hint.ephemeral and "Look at who submits jobs, and when." in hint.text()

    opened = await bob.click(drill, label="Answer")
    (field,) = [row["component"]["custom_id"] for row in (await opened.modal())["components"]]
    keyed = (await (await bob.submit_modal(opened, {field: "Office hours."})).reply()).text()
    assert keyed.index("1. interactive jobs") < keyed.index("2. the scheduler caps night quotas [bottleneck]")
    assert keyed.index("[bottleneck]") < keyed.index("bonus:* preemptible batch jobs")
    assert "Long form: ours-full" in keyed

    full = await (await bob.slash(general, "drill", question="ours-full")).reply()
    assert "Plan the capacity" in full.text()
    with pytest.raises(LookupError):  # no hint, no Hint button
        full.component(label="Hint")
    missing = await text_of(await bob.slash(general, "drill", question="nope"))
    assert "There is no question 'nope' here" in missing
    no_slow_or_unknown(discord)
