"""Which spaces a process owns: the Discord shard formula, leaders of unsharded platforms, no rules at all."""

import pytest

from bot.core.ownership import ONE_PROCESS, Ownership, Shards

SHIFT = 22


def guild_on(shard: int, count: int, n: int = 0) -> str:
    """A Discord space whose server falls on `shard` of `count` (ids are timestamps << 22)."""
    return f"discord:{((n * count + shard) << SHIFT) + 12345}"


def test_the_discord_formula_places_servers_on_shards():
    ownership = Ownership()
    ownership.shard("discord:", Shards((0, 2), 4), shift=SHIFT)
    assert [ownership.shard_of(guild_on(s, 4, n=7)) for s in range(4)] == [0, 1, 2, 3]
    assert [ownership.owns(guild_on(s, 4)) for s in range(4)] == [True, False, True, False]
    assert ownership.owns("discord:0")  # (0 >> 22) % 4 == 0
    assert ownership.shard_of("slack:T1") is None and not ownership.owns("slack:T1")
    assert not ownership.owns("discord:not-a-number")


def test_one_process_owns_every_server_and_nothing_registered_owns_everything():
    ownership = Ownership()
    ownership.shard("discord:", ONE_PROCESS, shift=SHIFT)
    assert all(ownership.owns(guild_on(s, 5)) for s in range(5))
    scope = ownership.scope()
    assert scope is not None and scope.whole == ("discord:",) and scope.sharded == ()
    assert Ownership().scope() is None and Ownership().owns("anything:1")


def test_a_led_platform_is_owned_only_while_leading():
    ownership = Ownership()
    ownership.shard("discord:", Shards((1,), 2), shift=SHIFT)
    ownership.lead("slack:")
    assert ownership.led == ("slack:",)
    assert not ownership.owns("slack:T1")
    assert ownership.set_leading("slack:", True) is True
    assert ownership.set_leading("slack:", True) is False  # no change
    assert ownership.owns("slack:T1") and ownership.owns(guild_on(1, 2)) and not ownership.owns(guild_on(0, 2))
    ownership.set_leading("slack:", False)
    assert not ownership.owns("slack:T1")


@pytest.mark.parametrize(("ids", "count"), [((), 2), ((0, 0), 2), ((2,), 2), ((-1,), 2), ((0,), 0)])
def test_impossible_shard_sets_are_refused(ids, count):
    with pytest.raises(ValueError):
        Shards(ids, count)


def test_a_prefix_must_look_like_one():
    with pytest.raises(ValueError, match="space prefix"):
        Ownership().lead("slack' OR 1=1 --")


def test_share_and_label():
    assert Shards((0, 1), 4).share == 0.5 and Shards((0, 1), 4).label == "0,1/4"
