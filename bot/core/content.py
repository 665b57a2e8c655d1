"""Load and validate the YAML content: `frameworks.yaml` and question packs (SPEC section 3).

Every problem is reported as `file:line: what is wrong`. A bad pack is refused whole while the
other packs load. Files are read with PyYAML's safe loader, after a linear pre-scan of the
event stream that refuses aliases (alias bombs), deep nesting and oversized files, so a hostile
file costs time proportional to its size.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.models import SCORE_NAMES, TYPE_IDS, Criterion, KeyPoint, Question, QuestionType

MAX_PACK_BYTES = 1024 * 1024
MAX_PACK_QUESTIONS = 2000
MAX_PROMPT_CHARS = 1500
MAX_NESTING = 16
ID_PATTERN = re.compile(r"[a-z0-9-]+")  # pack and question ids
TAG_PATTERN = re.compile(r"[a-z0-9_-]+")  # criterion, topic and bridge ids
MAX_ID_CHARS = 64
# Discord shows a criterion as a modal Label: label <= 45 and description <= 100 characters.
MAX_CRITERION_LABEL = 45
MAX_CRITERION_DESCRIPTION = 100
# An anchor is shown as the description of its 0/1/2 option in the vote form: <= 100 characters.
MAX_ANCHOR = 100

PACK_KEYS = {"pack", "title", "questions"}
QUESTION_REQUIRED = ("id", "type", "prompt", "key_points", "topics", "difficulty")
QUESTION_OPTIONAL = ("also_types", "follow_ups", "bridges", "rubric", "hint", "long_form", "source")
TYPE_KEYS = {"name", "answer_shape", "criteria", "failure_modes"}
CRITERION_KEYS = {"id", "label", "description"}
CRITERION_OPTIONAL = {"anchors", "replaces"}
KEY_POINT_KEYS = {"text", "bonus", "criterion"}
AREA_KEYS = {"id", "title", "minimum"}

# libyaml's parser when PyYAML was built with it (the wheels are): same safe schema, several times faster.
FastSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised when content that everything depends on (the frameworks) cannot be used."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    title: str
    path: str
    questions: tuple[Question, ...]
    space_id: str | None = None  # set for a pack a server imported
    lines: dict[str, int] = field(default_factory=dict)  # question id -> line of its `long_form`

    @property
    def key(self) -> str:
        """Shipped pack ids are global; an imported pack id is unique within its server."""
        return self.id if self.space_id is None else f"{self.space_id}/{self.id}"


@dataclass(slots=True)
class Bank:
    """The loaded content: the six question types and every pack that validated."""

    types: dict[str, QuestionType]
    packs: dict[str, Pack] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add_pack(self, pack: Pack) -> None:
        self.packs[pack.key] = pack
        for question in pack.questions:
            self.questions[question.id] = question

    def remove_pack(self, key: str) -> None:
        for question in self.packs.pop(key).questions:
            del self.questions[question.id]

    def criteria_for(self, question: Question) -> tuple[Criterion, ...]:
        """The rubric a question is scored on: its `rubric` subset, else its type's criteria."""
        qtype = self.types[question.type]
        if not question.rubric:
            return qtype.criteria
        return tuple(c for c in qtype.criteria if c.id in question.rubric)

    def topics(self, space_id: str | None = None) -> list[str]:
        return sorted({t for q in self.questions.values() if q.visible_in(space_id) for t in q.topics})

    def select(
        self,
        type_id: str | None = None,
        topic: str | None = None,
        difficulty: int | None = None,
        space_id: str | None = None,
    ) -> list[Question]:
        """Questions matching every filter given, in a stable order: the shipped ones and, when
        `space_id` is given, that server's imported ones."""
        return [
            q
            for q in sorted(self.questions.values(), key=lambda q: q.id)
            if q.visible_in(space_id)
            and (type_id is None or q.type == type_id)
            and (topic is None or topic in q.topics)
            and (difficulty is None or q.difficulty == difficulty)
        ]


@dataclass(frozen=True, slots=True)
class Area:
    """A part of the field the bank should cover: a question belongs when its topics hold `id`."""

    id: str
    title: str
    minimum: int


# --- YAML reading --------------------------------------------------------------------------


def _line(node: yaml.Node | yaml.Event) -> int:
    return (node.start_mark.line if node.start_mark else 0) + 1


def _prescan(text: str, name: str) -> list[Problem]:
    """Refuse aliases and deep nesting from the event stream, before any node is built."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=FastSafeLoader):
            if isinstance(event, yaml.AliasEvent):
                return [Problem(name, _line(event), "YAML aliases (*name) are not allowed in content files")]
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    return [Problem(name, _line(event), f"nesting deeper than {MAX_NESTING} levels")]
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return [Problem(name, line, f"not valid YAML: {reason}")]
    return []


def read_bounded(path: Path) -> bytes | Problem:
    """A content file's bytes, or why it cannot be used (unreadable, or over the limit, unread)."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_PACK_BYTES:
            return _too_big(name, size)
        return path.read_bytes()
    except OSError as exc:
        return Problem(name, 1, f"cannot read the file: {exc.strerror}")


def _read_yaml(path: Path, name: str, data: bytes | None = None) -> tuple[yaml.Node | None, list[Problem]]:
    if data is not None:
        return _parse_yaml(data, name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Problem(name, 1, f"cannot read the file: {exc.strerror}")]
    if size > MAX_PACK_BYTES:
        return None, [_too_big(name, size)]
    return _parse_yaml(path.read_bytes(), name)


def _too_big(name: str, size: int) -> Problem:
    return Problem(name, 1, f"file is {size} bytes; the limit is {MAX_PACK_BYTES} (1 MiB)")


def _parse_yaml(data: bytes, name: str) -> tuple[yaml.Node | None, list[Problem]]:
    if len(data) > MAX_PACK_BYTES:
        return None, [_too_big(name, len(data))]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [Problem(name, 1, "file is not UTF-8 text")]
    problems = _prescan(text, name)
    if problems:
        return None, problems
    node = yaml.compose(text, Loader=FastSafeLoader)
    if node is None:
        return None, [Problem(name, 1, "file is empty")]
    return node, []


class _Reader:
    """Walks composed YAML nodes, converting scalars with the safe constructor and recording problems."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.name, _line(node), message))

    def value(self, node: yaml.Node) -> Any:
        return self._constructor.construct_object(node, deep=True)

    def mapping(
        self, node: yaml.Node, what: str, allowed: Iterable[str], required: Iterable[str] = ()
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return None
        allowed = set(allowed)
        entries: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(key_node, f"{what} has a key that is not a string")
            elif key not in allowed:
                self.problem(key_node, f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})")
            elif key in entries:
                self.problem(key_node, f"key '{key}' appears twice in {what}")
            else:
                entries[key] = value_node
        for key in required:
            if key not in entries:
                self.problem(node, f"missing required key '{key}' in {what}")
        return entries

    def text(self, node: yaml.Node, key: str, limit: int | None = None) -> str | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str):
            self.problem(node, f"'{key}' must be text")
            return None
        if not value.strip():
            self.problem(node, f"'{key}' is empty")
            return None
        if limit is not None and len(value) > limit:
            self.problem(node, f"'{key}' is {len(value)} characters; the limit is {limit}")
            return None
        return value.strip()

    def ident(self, node: yaml.Node, key: str, pattern: re.Pattern[str] = ID_PATTERN) -> str | None:
        value = self.text(node, key)
        if value is None:
            return None
        if not pattern.fullmatch(value) or len(value) > MAX_ID_CHARS:
            chars = "a-z, 0-9 and '-'" if pattern is ID_PATTERN else "a-z, 0-9, '_' and '-'"
            self.problem(node, f"'{key}' '{value}' must be 1-{MAX_ID_CHARS} characters of {chars}")
            return None
        return value

    def texts(self, node: yaml.Node, key: str, low: int, high: int, *, ids: bool = False) -> list[str] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"'{key}' must be a list")
            return None
        if not low <= len(node.value) <= high:
            self.problem(node, f"'{key}' must have {low} to {high} items (has {len(node.value)})")
            return None
        items = [self.ident(item, key, TAG_PATTERN) if ids else self.text(item, key) for item in node.value]
        return None if any(item is None for item in items) else [i for i in items if i is not None]


# --- frameworks ----------------------------------------------------------------------------


def load_frameworks(path: Path, data: bytes | None = None) -> dict[str, QuestionType]:
    """Load `frameworks.yaml` (or `data`, its bytes already read). Every type must be present; any
    problem raises ContentError."""
    name = str(path)
    node, problems = _read_yaml(path, name, data)
    if node is None:
        raise ContentError(problems)
    reader = _Reader(name)
    types: dict[str, QuestionType] = {}
    top = reader.mapping(node, "the frameworks file", {"types"}, ("types",))
    types_node = top.get("types") if top else None
    entries = reader.mapping(types_node, "'types'", TYPE_IDS) if types_node is not None else None
    if types_node is not None and entries is not None:
        for type_id in TYPE_IDS:
            if type_id not in entries:
                reader.problem(types_node, f"question type '{type_id}' is missing")
                continue
            qtype = _question_type(reader, type_id, entries[type_id])
            if qtype:
                types[type_id] = qtype
    if reader.problems:
        raise ContentError(reader.problems)
    return types


def _question_type(reader: _Reader, type_id: str, node: yaml.Node) -> QuestionType | None:
    fields = reader.mapping(node, f"type '{type_id}'", TYPE_KEYS, TYPE_KEYS)
    if fields is None or set(fields) != TYPE_KEYS:
        return None
    name = reader.text(fields["name"], "name")
    shape = reader.text(fields["answer_shape"], "answer_shape")
    failure_modes = reader.texts(fields["failure_modes"], "failure_modes", 1, 10)
    criteria_node = fields["criteria"]
    criteria: list[Criterion] = []
    if not isinstance(criteria_node, yaml.SequenceNode) or not 3 <= len(criteria_node.value) <= 5:
        reader.problem(criteria_node, f"'criteria' of type '{type_id}' must be a list of 3 to 5 items")
        return None
    replaced: dict[str, str] = {}
    retired_nodes: list[tuple[yaml.Node, str]] = []
    for item in criteria_node.value:
        crit = reader.mapping(item, "a criterion", CRITERION_KEYS | CRITERION_OPTIONAL, CRITERION_KEYS)
        if crit is None or not set(crit) >= CRITERION_KEYS:
            continue
        cid = reader.ident(crit["id"], "id", TAG_PATTERN)
        label = reader.text(crit["label"], "label", MAX_CRITERION_LABEL)
        description = reader.text(crit["description"], "description", MAX_CRITERION_DESCRIPTION)
        anchors = _anchors(reader, crit["anchors"]) if "anchors" in crit else ()
        if "replaces" in crit:
            for old_id in reader.texts(crit["replaces"], "replaces", 1, 10, ids=True) or []:
                if old_id in replaced:
                    reader.problem(crit["replaces"], f"retired criterion '{old_id}' is replaced twice in '{type_id}'")
                elif cid:
                    replaced[old_id] = cid
                    retired_nodes.append((crit["replaces"], old_id))
        if cid and any(c.id == cid for c in criteria):
            reader.problem(crit["id"], f"criterion id '{cid}' appears twice in type '{type_id}'")
        elif cid and label and description and anchors is not None:
            criteria.append(Criterion(cid, label, description, anchors))
    clashes = [(where, old_id) for where, old_id in retired_nodes if any(c.id == old_id for c in criteria)]
    for where, old_id in clashes:
        reader.problem(where, f"'{old_id}' is a current criterion of '{type_id}'; only retired ids can be replaced")
    if not (name and shape and failure_modes) or len(criteria) != len(criteria_node.value) or clashes:
        return None
    return QuestionType(type_id, name, shape, tuple(criteria), tuple(failure_modes), replaced)


def _anchors(reader: _Reader, node: yaml.Node) -> tuple[str, ...] | None:
    """`anchors: {0: "...", 1: "...", 2: "..."}`: what earns each score, one line each."""
    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, "'anchors' must be a mapping of 0, 1 and 2 to one line each")
        return None
    found: dict[int, str] = {}
    ok = True
    for key_node, value_node in node.value:
        key = reader.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
        if type(key) is not int or key not in (0, 1, 2):
            reader.problem(key_node, f"'anchors' keys are the scores 0, 1 and 2 (found {key!r})")
            ok = False
        elif key in found:
            reader.problem(key_node, f"anchor {key} appears twice")
            ok = False
        else:
            text = reader.text(value_node, f"anchors {key}", MAX_ANCHOR)
            if text is None:
                ok = False
            else:
                found[key] = text
    missing = [str(k) for k in range(len(SCORE_NAMES)) if k not in found]
    if ok and missing:
        reader.problem(node, f"'anchors' needs one line for each of 0, 1 and 2 (missing: {', '.join(missing)})")
        ok = False
    return tuple(found[k] for k in range(len(SCORE_NAMES))) if ok else None


# --- packs ---------------------------------------------------------------------------------


def read_pack(
    path: Path,
    types: dict[str, QuestionType],
    taken: dict[str, str] | None = None,
    name: str | None = None,
    data: bytes | None = None,
) -> tuple[Pack | None, list[Problem]]:
    """Validate one pack file (or `data`, its bytes already read). `taken` maps question ids already
    loaded to where they were defined."""
    name = name or str(path)
    node, problems = _read_yaml(path, name, data)
    if node is None:
        return None, problems
    return _pack(node, name, types, taken or {}, None)


Taken = Mapping[str, str] | Callable[[str], Mapping[str, str]]


def parse_pack(
    data: bytes, name: str, types: dict[str, QuestionType], taken: Taken, space_id: str | None
) -> tuple[Pack | None, list[Problem]]:
    """Validate a pack given as bytes (an uploaded file); its questions belong to `space_id`.

    `taken` may be a function of the pack id (the ids a pack with that id may not reuse), so a
    pack that replaces another is checked in one parse."""
    node, problems = _parse_yaml(data, name)
    if node is None:
        return None, problems
    return _pack(node, name, types, taken, space_id)


def _pack(
    node: yaml.Node, name: str, types: dict[str, QuestionType], taken: Taken, space_id: str | None
) -> tuple[Pack | None, list[Problem]]:
    reader = _Reader(name)
    top = reader.mapping(node, "the pack", PACK_KEYS, PACK_KEYS)
    if top is None or set(top) != PACK_KEYS:
        return None, reader.problems
    pack_id = reader.ident(top["pack"], "pack")
    if callable(taken):
        taken = taken(pack_id or "")
    title = reader.text(top["title"], "title")
    items = top["questions"]
    if not isinstance(items, yaml.SequenceNode) or not items.value:
        reader.problem(items, "'questions' must be a non-empty list")
        return None, reader.problems
    if len(items.value) > MAX_PACK_QUESTIONS:
        reader.problem(items, f"pack has {len(items.value)} questions; the limit is {MAX_PACK_QUESTIONS}")
        return None, reader.problems
    seen: dict[str, str] = {}
    questions = []
    lines: dict[str, int] = {}
    for item in items.value:
        question = _question(reader, item, pack_id or "", types, space_id)
        if question is None:
            continue
        where = seen.get(question.id) or taken.get(question.id)
        if where:
            reader.problem(item, f"question id '{question.id}' is already used (at {where})")
            continue
        seen[question.id] = f"{name}:{_line(item)}"
        questions.append(question)
        if question.long_form:
            lines[question.id] = next(_line(v) for k, v in item.value if getattr(k, "value", None) == "long_form")
    if reader.problems or not pack_id or not title:
        return None, sorted(reader.problems, key=lambda p: p.line)
    return Pack(pack_id, title, name, tuple(questions), space_id, lines), []


def long_form_problems(pack: Pack, questions: Mapping[str, Question], *, space: str = "server") -> list[Problem]:
    """`long_form` must name another question, in `questions` or this pack, seen wherever this pack
    is seen: a shipped question, or one of the same space's packs (`space`: the platform's word for
    one). Checked once packs are loaded."""
    own = {q.id: q for q in pack.questions}
    problems = []
    for question in pack.questions:
        if not question.long_form:
            continue
        target = own.get(question.long_form) or questions.get(question.long_form)
        if target is None or not target.visible_in(pack.space_id):
            where = f"this {space}'s packs or the shipped ones" if pack.space_id else "the shipped packs"
            problems.append(
                Problem(
                    pack.path,
                    pack.lines.get(question.id, 1),
                    f"'long_form' of '{question.id}' names '{question.long_form}', which is not a question in {where}",
                )
            )
    return problems


def refuse_broken_long_forms(bank: Bank, also: Mapping[str, Question] | None = None) -> None:
    """Refuse packs whose `long_form` points nowhere (in the bank or `also`), until all resolve."""
    while True:
        known = {**(also or {}), **bank.questions}
        broken = [(key, found) for key, pack in bank.packs.items() if (found := long_form_problems(pack, known))]
        if not broken:
            return
        for key, found in broken:
            bank.problems.extend(found)
            bank.remove_pack(key)


def _question(
    reader: _Reader, node: yaml.Node, pack_id: str, types: dict[str, QuestionType], space_id: str | None
) -> Question | None:
    """Check every field that is present, so an author sees all of a question's problems at once."""
    before = len(reader.problems)
    fields = reader.mapping(node, "a question", QUESTION_REQUIRED + QUESTION_OPTIONAL, QUESTION_REQUIRED)
    if fields is None:
        return None
    qid = reader.ident(fields["id"], "id") if "id" in fields else None
    type_id = reader.text(fields["type"], "type") if "type" in fields else None
    qtype = types.get(type_id or "")
    if type_id and qtype is None:
        close = difflib.get_close_matches(type_id, TYPE_IDS, n=1)
        suggestion = f"did you mean '{close[0]}'? " if close else ""
        reader.problem(fields["type"], f"unknown question type '{type_id}' ({suggestion}one of: {', '.join(TYPE_IDS)})")
    difficulty = None
    if "difficulty" in fields:
        given = fields["difficulty"]
        difficulty = reader.value(given) if isinstance(given, yaml.ScalarNode) else None
        if type(difficulty) is not int or difficulty not in (1, 2, 3):
            reader.problem(given, "'difficulty' must be 1 (easy), 2 (medium) or 3 (hard)")
    prompt = reader.text(fields["prompt"], "prompt", MAX_PROMPT_CHARS) if "prompt" in fields else None
    topics = reader.texts(fields["topics"], "topics", 1, 10, ids=True) if "topics" in fields else None
    optional = {
        key: reader.texts(fields[key], key, 0, limit, ids=ids)
        for key, limit, ids in (("also_types", 5, False), ("follow_ups", 3, False), ("bridges", 10, True))
        if key in fields
    }
    for also in optional.get("also_types") or []:
        if also not in TYPE_IDS:
            reader.problem(fields["also_types"], f"unknown question type '{also}' in 'also_types'")
    rubric: list[str] = []
    if "rubric" in fields:
        for criterion_id in reader.texts(fields["rubric"], "rubric", 1, 5, ids=True) or []:
            criterion = _criterion_of(reader, fields["rubric"], qtype, criterion_id)
            if criterion is not None and criterion.id not in rubric:  # a retired id maps to its replacement
                rubric.append(criterion.id)
    key_points = _key_points(reader, fields["key_points"], qtype, rubric) if "key_points" in fields else None
    hint = reader.text(fields["hint"], "hint", MAX_PROMPT_CHARS) if "hint" in fields else ""
    long_form = reader.ident(fields["long_form"], "long_form") if "long_form" in fields else ""
    if long_form and long_form == qid:
        reader.problem(
            fields["long_form"], f"'long_form' names the question itself ('{qid}'); name its topical question"
        )
    source = reader.text(fields["source"], "source") if "source" in fields else ""
    if len(reader.problems) > before:
        return None
    assert qid and type_id and prompt and key_points and topics and isinstance(difficulty, int)
    return Question(
        id=qid,
        pack=pack_id,
        type=type_id,
        topics=tuple(topics),
        difficulty=difficulty,
        prompt=prompt,
        key_points=tuple(key_points),
        also_types=tuple(optional.get("also_types") or ()),
        follow_ups=tuple(optional.get("follow_ups") or ()),
        bridges=tuple(optional.get("bridges") or ()),
        rubric=tuple(rubric),
        hint=hint or "",
        long_form=long_form or "",
        source=source or "",
        space_id=space_id,
    )


def _criterion_of(reader: _Reader, node: yaml.Node, qtype: QuestionType | None, criterion_id: str) -> Criterion | None:
    """The type's criterion with this id (or the one that replaced it); a problem when there is none."""
    if qtype is None:
        return None
    criterion = qtype.criterion(criterion_id)
    if criterion is None:
        known = ", ".join(c.id for c in qtype.criteria)
        reader.problem(node, f"unknown criterion '{criterion_id}' for type '{qtype.id}' (one of: {known})")
    return criterion


def _key_points(
    reader: _Reader, node: yaml.Node, qtype: QuestionType | None, rubric: list[str]
) -> list[KeyPoint] | None:
    """2 to 8 points, each a plain string (a must-have) or `{text, bonus, criterion}`."""
    if not isinstance(node, yaml.SequenceNode):
        reader.problem(node, "'key_points' must be a list")
        return None
    if not 2 <= len(node.value) <= 8:
        reader.problem(node, f"'key_points' must have 2 to 8 items (has {len(node.value)})")
        return None
    points: list[KeyPoint] = []
    ok = True
    for item in node.value:
        point = _key_point(reader, item, qtype, rubric)
        if point is None:
            ok = False
        else:
            points.append(point)
    if ok and all(p.bonus for p in points):
        reader.problem(node, "every key point is a bonus: mark at least one as a must-have (bonus: false)")
        return None
    return points if ok else None


def _key_point(reader: _Reader, node: yaml.Node, qtype: QuestionType | None, rubric: list[str]) -> KeyPoint | None:
    if not isinstance(node, yaml.MappingNode):
        text = reader.text(node, "key_points")
        return KeyPoint(text) if text else None
    before = len(reader.problems)
    fields = reader.mapping(node, "a key point", KEY_POINT_KEYS, ("text",))
    if fields is None or "text" not in fields:
        return None
    text = reader.text(fields["text"], "text")
    bonus = False
    if "bonus" in fields:
        value = reader.value(fields["bonus"]) if isinstance(fields["bonus"], yaml.ScalarNode) else None
        if type(value) is not bool:
            reader.problem(fields["bonus"], "'bonus' must be true or false")
        else:
            bonus = value
    criterion_id: str | None = None
    if "criterion" in fields:
        given = reader.ident(fields["criterion"], "criterion", TAG_PATTERN)
        criterion = _criterion_of(reader, fields["criterion"], qtype, given) if given else None
        if criterion is not None and rubric and criterion.id not in rubric:
            reader.problem(
                fields["criterion"],
                f"criterion '{criterion.id}' is not in this question's rubric ({', '.join(rubric)})",
            )
        elif criterion is not None:
            criterion_id = criterion.id
    if len(reader.problems) > before or not text:
        return None
    return KeyPoint(text, bonus, criterion_id)


def pack_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Expand directories to their `*.yaml`/`*.yml` files, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            yield path


def load_bank(
    content_dir: Path, extra_packs: Iterable[Path] = (), read: Mapping[Path, bytes | Problem] | None = None
) -> Bank:
    """Load `frameworks.yaml` and every pack under `questions/`, plus any extra pack files.

    Bad packs are refused and reported in `bank.problems`; the good ones load. A pack whose id or
    question ids clash with an earlier file (in sorted order) is the one refused. `read` holds files
    already read (`read_bounded`), validated as read (`bot.core.content_cache` hashes those bytes).
    """
    read = read or {}
    frameworks = content_dir / "frameworks.yaml"
    bank = Bank(types=load_frameworks(frameworks, _bytes_or_raise(read.get(frameworks), frameworks)))
    for path in pack_files([content_dir / "questions", *extra_packs]):
        got = read.get(path)
        if isinstance(got, Problem):
            bank.problems.append(got)
            continue
        add_pack_file(bank, path, data=got)
    refuse_broken_long_forms(bank)
    return bank


def _bytes_or_raise(got: bytes | Problem | None, path: Path) -> bytes | None:
    if isinstance(got, Problem):
        raise ContentError([got])
    return got


def add_pack_file(bank: Bank, path: Path, name: str | None = None, data: bytes | None = None) -> Pack | None:
    """Validate `path` (or `data`, its bytes already read) against what `bank` holds and add it when
    clean; record problems otherwise."""
    taken = {qid: f"pack '{q.pack}'" for qid, q in bank.questions.items()}
    pack, problems = read_pack(path, bank.types, taken, name, data)
    if pack and pack.id in bank.packs:
        problems = [Problem(pack.path, 1, f"pack id '{pack.id}' is already used by {bank.packs[pack.id].path}")]
        pack = None
    bank.problems.extend(problems)
    if pack:
        bank.add_pack(pack)
    return pack


def coverage_table(bank: Bank) -> str:
    """A plain-text table of question counts: one row per pack, columns per type and difficulty."""
    short = {"research_judgment": "research", "derivation": "deriv", "evaluation": "eval", "debugging": "debug"}
    headers = ["pack", *(short.get(t, t) for t in TYPE_IDS), "d1", "d2", "d3", "total"]
    rows: list[list[str]] = []
    totals = [0] * (len(headers) - 1)
    for pack in sorted(bank.packs.values(), key=lambda p: p.id):
        counts = [sum(q.type == t for q in pack.questions) for t in TYPE_IDS]
        counts += [sum(q.difficulty == d for q in pack.questions) for d in (1, 2, 3)]
        counts.append(len(pack.questions))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append([pack.id, *map(str, counts)])
    rows.append(["TOTAL", *map(str, totals)])
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(headers), rule, *map(fmt, rows[:-1]), rule, fmt(rows[-1])])


def load_areas(path: Path) -> tuple[list[Area], list[Problem]]:
    """Read `areas.yaml`: `areas: [{id, title, minimum}]`. A missing file means no areas."""
    name = str(path)
    if not path.exists():
        return [], []
    node, problems = _read_yaml(path, name)
    if node is None:
        return [], problems
    reader = _Reader(name)
    top = reader.mapping(node, "the areas file", {"areas"}, ("areas",))
    items = top.get("areas") if top else None
    areas: list[Area] = []
    if items is not None and not isinstance(items, yaml.SequenceNode):
        reader.problem(items, "'areas' must be a list")
    elif items is not None:
        for item in items.value:
            fields = reader.mapping(item, "an area", AREA_KEYS, AREA_KEYS)
            if fields is None or set(fields) != AREA_KEYS:
                continue
            area_id = reader.ident(fields["id"], "id", TAG_PATTERN)
            title = reader.text(fields["title"], "title")
            minimum = reader.value(fields["minimum"]) if isinstance(fields["minimum"], yaml.ScalarNode) else None
            if type(minimum) is not int or minimum < 0:
                reader.problem(fields["minimum"], "'minimum' must be a whole number of questions, 0 or more")
                continue
            if area_id and any(a.id == area_id for a in areas):
                reader.problem(fields["id"], f"area '{area_id}' appears twice")
            elif area_id and title:
                areas.append(Area(area_id, title, minimum))
    return areas, reader.problems


def area_table(bank: Bank, areas: Iterable[Area]) -> str:
    """Questions per area (a question counts in every area its topics name), against the minimum."""
    headers = ["area", "questions", "minimum", ""]
    rows = []
    for area in areas:
        count = sum(area.id in q.topics for q in bank.questions.values())
        rows.append([area.id, str(count), str(area.minimum), "below minimum" if count < area.minimum else ""])
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: list[str]) -> str:
        cells = [c.ljust(w) if i in (0, 3) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths[:3])
    below = sum(1 for r in rows if r[3])
    summary = f"{below} of {len(rows)} area(s) below their minimum." if below else f"All {len(rows)} areas at minimum."
    return "\n".join([fmt(headers), rule, *map(fmt, rows), "", summary])
