"""`python -m bot practice`: drills in the terminal, on the same services and database as the bot.

Plain line-based stdin/stdout so a session can be scripted: the question (type, topics,
difficulty, prompt, the type's answer shape as a hint), a multi-line answer ended by a line
holding a single `.` (or end of input; a line holding `?` shows the
question's hint, if it has one), the key points and follow-ups, a self-score 0/1/2 per
rubric criterion, the next review time, then `q` to quit or Enter for the next question.
Drills are recorded in space "terminal" under the member's name.

`--pack FILE` validates that one pack against the frameworks (alone, so a pack already under
content/questions does not clash with itself) and drills only from it: a content author's preview.

Reads block the event loop on purpose: this front end serves one person and runs nothing else.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.app import open_services
from bot.core import scoring
from bot.core.content import Bank, ContentError, add_pack_file, load_bank, load_frameworks
from bot.core.errors import DomainError
from bot.core.models import Criterion, KeyPoint, Question, key_points_in_order
from bot.core.ports import Clock
from bot.core.services.drills import DrillReceipt, DrillService
from bot.core.services.rounds import check_answer_text

SPACE_ID = "terminal"
END_OF_ANSWER = "."
HINT_REQUEST = "?"
QUIT_WORDS = ("q", "quit", "exit")
SCORE_CHOICES = {"0": 0, "1": 1, "2": 2}
BAD_SCORE = "'{}' is not a score. Type 0 (missing), 1 (partial) or 2 (strong)."
DIFFICULTY_NAMES = {1: "easy", 2: "medium", 3: "hard"}
WIDTH = 88
RULE = "-" * WIDTH

EXIT_OK, EXIT_BAD_CONTENT, EXIT_BAD_FILTER, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass(frozen=True, slots=True)
class PracticeOptions:
    member_id: str
    type_id: str | None = None
    topic: str | None = None
    difficulty: int | None = None
    pack: Path | None = None


def default_member() -> str:
    """The OS user name, the default practice record in the terminal."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name, as in some containers
        return "me"


def run_practice(
    options: PracticeOptions,
    db_path: str,
    content_dir: Path,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    clock: Clock | None = None,
) -> int:
    """Run a session to its end. Exit status: 0 done, 1 bad content, 2 bad filter, 130 interrupted."""
    inp, out, err = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    try:
        return asyncio.run(practice(options, db_path, content_dir, inp, out, err, clock))
    except KeyboardInterrupt:
        print("\nStopped. Answers already scored are saved.", file=out)
        return EXIT_INTERRUPTED


async def practice(
    options: PracticeOptions,
    db_path: str,
    content_dir: Path,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    clock: Clock | None = None,
) -> int:
    bank = load_practice_bank(content_dir, options.pack, stderr)
    if bank is None:
        return EXIT_BAD_CONTENT
    async with open_services(db_path, content_dir, clock=clock, bank=bank) as services:
        session = Session(services.drills, options, Console(stdin, stdout))
        try:
            return await session.run()
        except DomainError as exc:  # a bad --type/--topic/--difficulty, or nothing matches them
            print(exc.message, file=stderr)
            return EXIT_BAD_FILTER


def load_practice_bank(content_dir: Path, pack: Path | None, stderr: TextIO) -> Bank | None:
    """The shipped bank, or only `pack` when given; None (problems printed as file:line) when unusable."""
    try:
        if pack is None:
            bank = load_bank(content_dir)
        else:
            bank = Bank(types=load_frameworks(content_dir / "frameworks.yaml"))
            add_pack_file(bank, pack)
    except ContentError as exc:
        _print_lines(exc.problems, stderr)
        return None
    if pack is not None and bank.problems:
        _print_lines(bank.problems, stderr)
        print(f"{pack}: fix the problems above, then run practice again.", file=stderr)
        return None
    if bank.problems:  # like the bot: bad packs are skipped, the good ones still drill
        _print_lines(bank.problems, stderr)
        print("Skipping the pack(s) above; practising with the rest.", file=stderr)
    return bank


def _print_lines(items: Iterable[object], stream: TextIO) -> None:
    for item in items:
        print(item, file=stream)


class Console:
    """Line-based prompts on two text streams; `None` from a read means end of input."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin = stdin
        self.stdout = stdout

    def say(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def ask(self, prompt: str) -> str | None:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\r\n")

    def bullets(self, title: str, items: Iterable[str]) -> None:
        self.say(title)
        for item in items:
            self.say(textwrap.fill(item, WIDTH, initial_indent="  - ", subsequent_indent="    "))


class Session:
    def __init__(self, drills: DrillService, options: PracticeOptions, console: Console) -> None:
        self.drills = drills
        self.options = options
        self.console = console
        self.answered = 0

    async def run(self) -> int:
        member = self.options.member_id
        due = await self.drills.due_count(SPACE_ID, member)
        self.console.say(f"grillbot practice for '{member}': {due} question(s) due for review. Ctrl-C stops.")
        while True:
            question = await self.drills.next_drill(
                SPACE_ID, member, self.options.type_id, self.options.topic, self.options.difficulty
            )
            if not await self.round(question):
                break
            choice = self.console.ask("\nEnter for the next question, q to quit: ")
            if choice is None or choice.strip().lower() in QUIT_WORDS:
                break
        due = await self.drills.due_count(SPACE_ID, member)
        self.console.say(f"\nDone: {self.answered} answered this session; {due} question(s) due for review now.")
        return EXIT_OK

    async def round(self, question: Question) -> bool:
        """One question from prompt to next review; False when input ended before it was scored."""
        self.show_question(question)
        answer = self.read_answer(question.hint)
        if answer is None:
            self.console.say("\nNo answer; stopping.")
            return False
        self.show_reference(question)
        criteria = self.drills.bank.criteria_for(question)
        scores = self.read_scores(criteria)
        if scores is None:
            self.console.say("\nStopped before scoring: this answer was not saved.")
            return False
        receipt = await self.drills.submit(SPACE_ID, self.options.member_id, question.id, answer, scores)
        self.answered += 1
        self.show_receipt(receipt)
        return True

    def show_question(self, question: Question) -> None:
        qtype = self.drills.bank.types[question.type]
        level = DIFFICULTY_NAMES.get(question.difficulty, str(question.difficulty))
        self.console.say(f"\n{RULE}")
        self.console.say(
            f"{qtype.name} | topics: {', '.join(question.topics)} | difficulty {question.difficulty} ({level})"
            f" | {question.id}"
        )
        self.console.say("")
        for line in question.prompt.splitlines():  # wrap long lines, keep the author's line breaks
            self.console.say(textwrap.fill(line, WIDTH) if len(line) > WIDTH else line)
        self.console.say("")
        self.console.say(textwrap.fill(f"Hint, the {qtype.name} answer shape: {qtype.answer_shape}", WIDTH))

    def read_answer(self, hint: str = "") -> str | None:
        """Lines up to a line holding only '.', or end of input; re-asked while empty or too long.
        A line holding only '?' shows the question's hint and is not part of the answer."""
        while True:
            offer = f"; a line holding '{HINT_REQUEST}' shows a hint" if hint else ""
            self.console.say(f"\nYour answer (end with a line holding a single '{END_OF_ANSWER}', or Ctrl-D{offer}):")
            lines: list[str] = []
            ended = False
            while True:
                line = self.console.ask("")
                if line is None:
                    ended = True
                    break
                if line.strip() == END_OF_ANSWER:
                    break
                if line.strip() == HINT_REQUEST:
                    self.console.say(textwrap.fill(f"Hint: {hint}" if hint else "This question has no hint.", WIDTH))
                    continue
                lines.append(line)
            answer = "\n".join(lines)
            try:
                check_answer_text(answer, self.drills.platforms.of(SPACE_ID).answer_limit)
            except DomainError as exc:
                self.console.say(exc.message)
                if ended:
                    return None
                continue
            return answer

    def show_reference(self, question: Question) -> None:
        self.console.say("")
        points = key_points_in_order(question.key_points)
        must = [p for p in points if not p.bonus]
        bonus = [p for p in points if p.bonus]
        self.console.bullets("Key points:", [_point(p) for p in must])
        if bonus:
            self.console.bullets("Bonus points (extra credit):", [_point(p) for p in bonus])
        if question.long_form:
            self.console.say(f"Long form: {question.long_form} (the full question behind this rapid one)")
        if question.follow_ups:
            self.console.bullets("Follow-ups, one level deeper:", question.follow_ups)
        if question.bridges:
            self.console.say(f"Bridges to: {', '.join(question.bridges)}")

    def read_scores(self, criteria: tuple[Criterion, ...]) -> dict[str, int] | None:
        self.console.say("\nScore yourself on each criterion: 0 missing, 1 partial, 2 strong.")
        scores: dict[str, int] = {}
        for number, criterion in enumerate(criteria, start=1):
            self.console.say(
                textwrap.fill(
                    f"{number}/{len(criteria)} {criterion.label}: {criterion.description}",
                    WIDTH,
                    initial_indent="  ",
                    subsequent_indent="      ",
                )
            )
            if criterion.anchors:
                for score, anchor in enumerate(criterion.anchors):
                    self.console.say(
                        textwrap.fill(
                            f"{score}: {anchor}", WIDTH, initial_indent="      ", subsequent_indent="         "
                        )
                    )
            while True:
                reply = self.console.ask("      score (0/1/2): ")
                if reply is None:
                    return None
                if reply.strip() in SCORE_CHOICES:
                    scores[criterion.id] = SCORE_CHOICES[reply.strip()]
                    break
                self.console.say(f"      {BAD_SCORE.format(reply.strip())}")
        return scores

    def show_receipt(self, receipt: DrillReceipt) -> None:
        points = sum(receipt.scores.values())
        most = scoring.max_points(receipt.criteria)
        now = self.drills.clock.now()
        self.console.say(
            f"\nSelf-score {points}/{most} ({receipt.ratio:.0%}), rated {receipt.rating}; "
            f"drilled {receipt.reviews} time(s)."
        )
        self.console.say(f"Next review: {_in(receipt.due_at - now)} ({_local(receipt.due_at)}).")


def _point(point: KeyPoint) -> str:
    return f"{point.text} [{point.criterion}]" if point.criterion else point.text


def _in(delta: timedelta) -> str:
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"in {minutes} minute{'s' * (minutes != 1)}"
    hours = round(minutes / 60)
    if hours < 24:
        return f"in {hours} hour{'s' * (hours != 1)}"
    days = round(hours / 24)
    return f"in {days} day{'s' * (days != 1)}"


def _local(when: datetime) -> str:
    """The instant in the machine's time zone: this front end runs on the member's own computer."""
    return f"{when.astimezone():%a %Y-%m-%d %H:%M %Z}"
