"""Start without re-validating content that has not changed: the validated bank, cached by hash.

Validating the packs is most of what a start costs beyond discord.py's own (about 0.5 s for a
2,000-question pack, issue 13). Two ways were weighed:

- parse in a worker thread while the gateway connects. PyYAML's node building and our checks are
  Python code holding the GIL, so the thread would only overlap the few hundred milliseconds the
  main thread spends waiting on the network, and every service is wired from the bank in
  `setup_hook`, before the gateway connects, so it would have to be awaited there anyway;
- cache the result, chosen here. `load_bank_cached` reads every content file once (bounded, as the
  validator reads it), and hashes, with SHA-256: the bytes of `frameworks.yaml` and of each pack
  with its path, in load order, plus the validator's version (the source of `bot/core/content.py`
  and `bot/core/models.py` and PyYAML's version, so a change to the rules is a miss without anyone
  remembering to bump a number). On a hit it loads the bank that validation produced from those
  very bytes; on a miss it validates those same bytes (never a second read that could differ) and
  stores the result.

A cache cannot hide a problem: the key covers every byte the validator reads and the validator
itself, so any change is validated again, and what is cached is the whole outcome, refused packs'
problems included, so a start from the cache logs the same `file:line` problems. The whole bank
is one entry: a pack's validity depends on the packs before it (ids already taken, `long_form`
targets), so one changed file re-validates them all, which costs what a start without the cache
costs. Packs servers import are validated as they are uploaded and are not part of this.

The cache is a pickle in a file next to the database (`<db>.content-cache`), written atomically.
Unpickling runs code, so the file is trusted exactly as the database is: the same directory, the
same owner. A file that cannot be read, or is from another key, is a miss; an in-memory database
has no cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

import yaml

from bot.core import content, models
from bot.core.content import Bank, Problem, load_bank, pack_files, read_bounded

log = logging.getLogger(__name__)


def validator_version() -> str:
    """Changes whenever the rules could: the validator's and the models' source, and PyYAML's version."""
    digest = hashlib.sha256(yaml.__version__.encode())
    for module in (content, models):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def cache_path_for(db_path: str) -> Path | None:
    """Next to a SQLite file; none for an in-memory database or a server's URL."""
    if db_path == ":memory:" or db_path.startswith("file:") or "://" in db_path:
        return None
    return Path(f"{db_path}.content-cache")


def _key(read: dict[Path, bytes | Problem]) -> str:
    digest = hashlib.sha256(validator_version().encode())
    for path, got in read.items():  # in load order
        digest.update(str(path).encode() + b"\0")
        if isinstance(got, Problem):
            digest.update(b"problem\0" + str(got).encode() + b"\0")
        else:
            digest.update(b"bytes\0" + hashlib.sha256(got).digest())
    return digest.hexdigest()


def load_bank_cached(content_dir: Path, cache_path: Path | None) -> Bank:
    """`load_bank(content_dir)`, from `cache_path` when every byte it would validate is unchanged."""
    paths = [content_dir / "frameworks.yaml", *pack_files([content_dir / "questions"])]
    read = {path: read_bounded(path) for path in paths}
    key = _key(read)
    if cache_path is not None:
        bank = _load(cache_path, key)
        if bank is not None:
            log.info("content unchanged since it was validated (%s); loaded from %s", key[:12], cache_path)
            return bank
    bank = load_bank(content_dir, read=read)
    if cache_path is not None:
        _store(cache_path, key, bank)
    return bank


def _load(cache_path: Path, key: str) -> Bank | None:
    try:
        with cache_path.open("rb") as file:
            stored_key, bank = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a torn or foreign file is a miss, never a failed start
        log.warning("content cache %s unreadable (%s); validating", cache_path, exc)
        return None
    if stored_key != key or not isinstance(bank, Bank):
        return None
    return bank


def _store(cache_path: Path, key: str, bank: Bank) -> None:
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=cache_path.parent, prefix=cache_path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as file:
            pickle.dump((key, bank), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_path)
    except OSError as exc:
        log.warning("could not write the content cache %s: %s", cache_path, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
