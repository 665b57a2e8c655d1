"""Packs a server imports: validated like shipped ones, used by that server only, kept across restarts."""

import asyncio
import random
import threading

import pytest

from bot.app import open_services
from bot.core.content import load_bank, parse_pack
from bot.core.errors import InvalidInput
from bot.core.selection import pick_daily_question
from bot.core.services import library as library_module
from bot.core.services.library import MAX_SPACE_PACKS, PackRefused
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


async def test_reimporting_a_pack_replaces_it_and_survives_a_restart(database, clock, publisher):
    shipped = len(load_bank(FIXTURE_CONTENT).questions)
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher) as svc:
        await svc.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml())
        again = await svc.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml(prompt="Reworded?"))
        assert again.replaced and svc.bank.questions["ours-q1"].prompt == "Reworded?"
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher) as svc:
        question = svc.bank.questions["ours-q1"]
        assert (question.prompt, question.space_id) == ("Reworded?", HOME)
        assert len(svc.bank.select(space_id=HOME)) == shipped + 1


def many(pack_id: str, count: int) -> bytes:
    """A valid pack of `count` questions with ids unique to `pack_id`."""
    questions = "".join(
        f"""  - id: {pack_id}-q{i}
    type: debugging
    topics: [our-topic]
    difficulty: 2
    prompt: "Question {i}?"
    key_points: ["first point", "second point"]
"""
        for i in range(count)
    )
    return f"pack: {pack_id}\ntitle: Pack {pack_id}\nquestions:\n{questions}".encode()


async def test_a_server_holds_at_most_20_packs(services):
    for n in range(MAX_SPACE_PACKS):
        await services.library.import_pack(HOME, "admin", f"p{n}.yaml", many(f"p{n}", 1))
    with pytest.raises(InvalidInput, match="already has 20 imported packs, the most it can hold"):
        await services.library.import_pack(HOME, "admin", "one-more.yaml", many("one-more", 1))
    assert "one-more-q0" not in services.bank.questions
    replaced = await services.library.import_pack(HOME, "admin", "p3.yaml", many("p3", 2))  # replacing is fine
    assert replaced.replaced
    await services.library.import_pack(OTHER, "admin", "theirs.yaml", many("theirs", 1))  # the cap is per server


async def test_a_server_holds_at_most_2000_imported_questions(services):
    await services.library.import_pack(HOME, "admin", "big.yaml", many("big", 1500))
    with pytest.raises(InvalidInput, match="bring this server's imported questions to 2,001, and the cap is 2,000"):
        await services.library.import_pack(HOME, "admin", "more.yaml", many("more", 501))
    assert "more-q0" not in services.bank.questions
    await services.library.import_pack(HOME, "admin", "more.yaml", many("more", 500))
    await services.library.import_pack(HOME, "admin", "big.yaml", many("big", 1000))  # a smaller replacement


async def test_one_servers_imports_run_one_at_a_time(services):
    for n in range(MAX_SPACE_PACKS - 1):
        await services.library.import_pack(HOME, "admin", f"p{n}.yaml", many(f"p{n}", 1))
    outcomes = await asyncio.gather(
        services.library.import_pack(HOME, "admin", "x.yaml", many("x", 1)),
        services.library.import_pack(HOME, "admin", "y.yaml", many("y", 1)),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, InvalidInput)]
    assert len(refused) == 1 and "20 imported packs" in refused[0].message  # not both through the cap
    assert len([p for p in services.bank.packs.values() if p.space_id == HOME]) == MAX_SPACE_PACKS


async def test_an_import_is_parsed_once_off_the_event_loop(services, monkeypatch):
    threads = []

    def counting(*args, **kwargs):
        threads.append(threading.get_ident())
        return parse_pack(*args, **kwargs)

    monkeypatch.setattr(library_module, "parse_pack", counting)
    await services.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml())
    await services.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml(prompt="Reworded?"))  # a replace
    assert len(threads) == 2 and threading.get_ident() not in threads


def long_form_pack(pack_id: str, qid: str, target: str) -> bytes:
    return pack_yaml(pack_id, qid) + f"    long_form: {target}\n".encode()


async def test_a_long_form_must_be_seen_where_the_pack_is(services, database, clock, publisher):
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
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as again:
        assert {"more-1", "s-1"} <= set(again.bank.questions)  # a restart loads them again, in any order
