"""Packs a server imports: validated like shipped ones, used by that server only, kept across restarts."""

import random

import pytest

from bot.app import open_services
from bot.core.content import load_bank
from bot.core.selection import pick_daily_question
from bot.core.services.library import PackRefused
from tests.conftest import FIXTURE_CONTENT

HOME, OTHER = "discord:1", "discord:2"


def pack_yaml(pack_id: str = "ours", qid: str = "ours-q1", prompt: str = "Our own question?") -> bytes:
    return f"""pack: {pack_id}
title: Our pack
questions:
  - id: {qid}
    type: debugging
    topics: [our-topic]
    difficulty: 2
    prompt: "{prompt}"
    key_points: ["first point", "second point"]
""".encode()


async def test_an_imported_pack_is_seen_by_its_server_only(services):
    receipt = await services.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml())
    assert (receipt.pack.id, receipt.replaced, receipt.per_type) == ("ours", False, {"debugging": 1})
    assert "ours-q1" in {q.id for q in services.bank.select(space_id=HOME)}
    assert "ours-q1" not in {q.id for q in services.bank.select(space_id=OTHER)}
    assert "our-topic" in services.bank.topics(HOME) and "our-topic" not in services.bank.topics(OTHER)
    others = {pick_daily_question(services.bank, [], random.Random(seed), OTHER).id for seed in range(30)}
    assert "ours-q1" not in others
    drill = await services.drills.next_drill(HOME, "ann", topic="our-topic")
    assert drill.id == "ours-q1"
    with pytest.raises(Exception, match="No question has the topic"):
        await services.drills.next_drill(OTHER, "bob", topic="our-topic")


async def test_a_bad_upload_is_refused_with_every_problem(services):
    with pytest.raises(PackRefused) as refused:
        await services.library.import_pack(HOME, "admin", "bad.yaml", pack_yaml().replace(b"debugging", b"debug"))
    assert "bad.yaml:5: unknown question type 'debug' (did you mean 'debugging'?" in refused.value.message
    with pytest.raises(PackRefused, match="already used"):
        await services.library.import_pack(HOME, "admin", "clash.yaml", pack_yaml(qid="sample-coding"))
    with pytest.raises(PackRefused, match="not UTF-8"):
        await services.library.import_pack(HOME, "admin", "bin.yaml", b"\xff\xfe\x00")
    assert services.bank.select(space_id=HOME) == services.bank.select()  # nothing was added


async def test_another_server_may_not_take_an_imported_id(services):
    await services.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml())
    with pytest.raises(PackRefused, match="another server's pack"):
        await services.library.import_pack(OTHER, "admin", "theirs.yaml", pack_yaml(pack_id="theirs"))


async def test_reimporting_a_pack_replaces_it_and_survives_a_restart(db_path, clock, publisher):
    shipped = len(load_bank(FIXTURE_CONTENT).questions)
    async with open_services(db_path, FIXTURE_CONTENT, clock=clock, publisher=publisher) as svc:
        await svc.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml())
        again = await svc.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml(prompt="Reworded?"))
        assert again.replaced and svc.bank.questions["ours-q1"].prompt == "Reworded?"
    async with open_services(db_path, FIXTURE_CONTENT, clock=clock, publisher=publisher) as svc:
        question = svc.bank.questions["ours-q1"]
        assert (question.prompt, question.space_id) == ("Reworded?", HOME)
        assert len(svc.bank.select(space_id=HOME)) == shipped + 1


def long_form_pack(pack_id: str, qid: str, target: str) -> bytes:
    return pack_yaml(pack_id, qid) + f"    long_form: {target}\n".encode()


async def test_a_long_form_must_be_seen_where_the_pack_is(services, db_path, clock, publisher):
    await services.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml())
    with pytest.raises(PackRefused) as refused:  # another server's question
        await services.library.import_pack(OTHER, "admin", "t.yaml", long_form_pack("theirs", "t-1", "ours-q1"))
    assert (
        "t.yaml:10: 'long_form' of 't-1' names 'ours-q1', which is not a question in this server's packs "
        "or the shipped ones" in refused.value.message
    )
    await services.library.import_pack(HOME, "admin", "m.yaml", long_form_pack("more", "more-1", "ours-q1"))
    await services.library.import_pack(OTHER, "admin", "s.yaml", long_form_pack("shipped", "s-1", "sample-coding"))
    assert services.bank.questions["more-1"].long_form == "ours-q1"
    bank = load_bank(FIXTURE_CONTENT)
    async with open_services(db_path, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as again:
        assert {"more-1", "s-1"} <= set(again.bank.questions)  # a restart loads them again, in any order
