"""A process's `SpaceScope` as a SQL condition on a `space_id` column, the same text for SQLite and
PostgreSQL: `substr`, `CAST(... AS BIGINT)`, `>>` and `%` mean the same in both. The prefixes are
checked by the core (lowercase letters, digits, `_`, then `:`) and the numbers are ints, so they are
written into the text as literals and the condition works with either engine's placeholders."""

from __future__ import annotations

from bot.core.ownership import PREFIX, ShardRule, SpaceScope


def _has_prefix(column: str, prefix: str) -> str:
    if not PREFIX.fullmatch(prefix):
        raise ValueError(f"not a space prefix: {prefix!r}")
    return f"substr({column}, 1, {len(prefix)}) = '{prefix}'"


def _on_shards(column: str, rule: ShardRule) -> str:
    # CASE first, so a space of another platform is never cast (PostgreSQL would refuse 'T123').
    number = f"CAST(substr({column}, {len(rule.prefix) + 1}) AS BIGINT)"
    shard = f"(({number} >> {int(rule.shift)}) % {int(rule.shards.count)})"
    shard = f"CASE WHEN {_has_prefix(column, rule.prefix)} THEN {shard} END"
    return f"({shard}) IN ({', '.join(str(int(i)) for i in rule.shards.ids)})"


def scope_sql(scope: SpaceScope | None, column: str = "space_id") -> str:
    """`1 = 1` for no scope (every space), `1 = 0` for a scope that owns nothing right now."""
    if scope is None:
        return "1 = 1"
    parts = [_has_prefix(column, p) for p in scope.whole] + [_on_shards(column, r) for r in scope.sharded]
    return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"
