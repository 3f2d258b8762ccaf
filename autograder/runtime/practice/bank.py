"""Question banks: one YAML file per lesson in ``autograder/runtime/practice/banks/``, validated.

A bank is data a person edits, so every mistake in it gets an error that names the file, the
question and the field. The schema::

    lesson: 02_async_views_basics          # the lesson notebook's name
    title: Async views basics
    setup: |                               # optional: runs before every snippet (shown once)
      import asyncio
    questions:
      - id: forgot_await                   # snake_case, unique in the bank
        difficulty: easy                   # easy | medium | hard
        kind: predict                      # concept | predict | pick_code | find_bug
        prompt: What does the last line print?
        code: |                            # optional, shown with the prompt
          ...
        options: {a: "...", b: "...", c: "...", d: "..."}   # four options, a to d
        answer: b
        # answer_sha256: ...               # instead of answer: the challenge keeps its keys hashed
        hint: ...
        solution: [step one, step two]
        mistakes: {a: "why a is tempting and wrong", c: ..., d: ...}   # every wrong option
        run:                               # the key's proof, for an answer that code decides
          probe: "print(...)"              # appended to the code that runs
          outcomes: {a: {prints: "..."}, b: {raises: SynchronousOnlyOperation, message: "..."}}
          # prints is compared exactly (nothing printed if absent; any_output: true ignores it)
          # or, when the options are code (pick_code, find_bug):
          variants: {a: "...", b: "..."}   # optional: the code each option stands for
          expect: {prints: "ok"}           # what the right option's code must produce
        # conceptual: "why no code can decide it"   # instead of run: one line, listed by verify

``outcomes``: the bank's code plus the probe runs once; the options whose outcome matches what
happened must be exactly the answer. ``expect``: every option's code (``variants``, or the option
text itself) plus the probe runs; the options that produce ``expect`` must be exactly the answer.

Every question has exactly four options (a to d), and every wrong option a non-empty ``mistakes``
text: the misconception that leads to it. A question whose answer depends on what code does
proves its key with ``run``; any other question says in ``conceptual`` why no code can decide it
(``python -m autograder practice verify`` lists those reasons).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

BANKS = Path(str(resources.files("autograder.runtime.practice") / "banks"))
DIFFICULTIES = ("easy", "medium", "hard")
KINDS = ("concept", "predict", "pick_code", "find_bug")
OPTION_KEYS = "abcd"  # four options, as in the seed's pages
SNAKE = re.compile(r"[a-z][a-z0-9_]*")


class BankError(ValueError):
    """A bank file that does not follow the schema; the message names file, question and field."""


@dataclass(frozen=True)
class Outcome:
    """What running a snippet did: its printed output, or the exception it raised."""

    prints: str | None = None  # None: any output (``any_output: true``, e.g. Django's log)
    raises: str | None = None
    message: str | None = None

    def describe(self) -> str:
        printed = f"prints {self.prints!r}" if self.prints else ""
        if self.raises:
            raised = f"raises {self.raises}" + (f" ({self.message!r})" if self.message else "")
            return f"{printed}, then {raised}" if printed else raised
        return printed


@dataclass(frozen=True)
class Run:
    probe: str = ""
    outcomes: dict[str, Outcome] | None = None
    variants: dict[str, str] | None = None
    expect: Outcome | None = None


@dataclass(frozen=True)
class Question:
    bank: str
    id: str
    difficulty: str
    kind: str
    prompt: str
    options: dict[str, str]
    hint: str
    solution: tuple[str, ...]
    mistakes: dict[str, str]
    code: str = ""
    answer: str | None = None
    answer_sha256: str | None = None
    run: Run | None = None
    conceptual: str = ""  # why no code decides the key (a question without ``run``)

    @property
    def label(self) -> str:
        return f"{self.bank}/{self.id}"

    def is_right(self, choice: object) -> bool:
        choice = normalise(choice)
        if choice not in self.options:
            return False
        if self.answer is not None:
            return choice == self.answer
        return answer_hash(self.bank, self.id, choice) == self.answer_sha256

    def key(self) -> str:
        """The right option (for the hashed keys of the challenge: found by trying each)."""
        return next(option for option in self.options if self.is_right(option))


@dataclass(frozen=True)
class Bank:
    name: str
    title: str
    questions: tuple[Question, ...]
    setup: str = ""
    path: Path | None = field(default=None, compare=False)

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"bank {self.name} has no question {question_id!r}")


def normalise(choice: object) -> str | None:
    """``"B"``, ``" b "`` and ``"b)"`` all mean option b; anything else is not an option."""
    if not isinstance(choice, str):
        return None
    return choice.strip().rstrip(").").strip().lower() or None


def answer_hash(bank: str, question_id: str, option: str) -> str:
    return hashlib.sha256(f"{bank}:{question_id}:{option}".encode()).hexdigest()


def _fail(where: str, problem: str) -> BankError:
    return BankError(f"{where}: {problem}")


def _text(data: dict, key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise _fail(where, f"'{key}' is missing")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(where, f"'{key}' must be a non-empty string, not {value!r}")
    return value


def _outcome(data: object, where: str) -> Outcome:
    if not isinstance(data, dict) or not data.keys() & {"prints", "raises"}:
        raise _fail(where, "an outcome is {prints: ...} and/or {raises: Name, message: ...}")
    unknown = set(data) - {"prints", "raises", "message", "any_output"}
    if unknown or ("message" in data and "raises" not in data):
        raise _fail(where, f"an outcome has prints and/or raises (+ message), not {sorted(data)}")
    # Nothing printed unless the outcome says so: a stray print is part of the outcome too.
    return Outcome(
        prints=None if data.get("any_output") else str(data.get("prints", "")).strip(),
        raises=data.get("raises"),
        message=data.get("message"),
    )


def _run(data: object, question: dict, where: str) -> Run:
    if not isinstance(data, dict):
        raise _fail(where, "'run' must be a mapping with probe and outcomes or expect")
    unknown = set(data) - {"probe", "outcomes", "variants", "expect"}
    if unknown:
        raise _fail(where, f"unknown fields in 'run': {sorted(unknown)}")
    options = question["options"]
    if ("outcomes" in data) == ("expect" in data):
        raise _fail(where, "'run' needs either 'outcomes' (one per option) or 'expect'")
    outcomes = variants = expect = None
    if "outcomes" in data:
        raw = data["outcomes"]
        if not isinstance(raw, dict) or set(raw) != set(options):
            raise _fail(where, f"'run.outcomes' needs one outcome per option {sorted(options)}")
        outcomes = {k: _outcome(v, f"{where} run.outcomes.{k}") for k, v in raw.items()}
        if not question.get("code", "").strip() and not data.get("probe", "").strip():
            raise _fail(where, "'run.outcomes' needs code (or a probe) to run")
    else:
        expect = _outcome(data["expect"], f"{where} run.expect")
        if "variants" in data:
            variants = data["variants"]
            if not isinstance(variants, dict) or set(variants) != set(options):
                raise _fail(where, f"'run.variants' needs code for every option {sorted(options)}")
    return Run(str(data.get("probe", "")), outcomes, variants, expect)


QUESTION_FIELDS = {"id", "difficulty", "kind", "prompt", "code", "options", "answer",
                   "answer_sha256", "hint", "solution", "mistakes", "run",
                   "conceptual"}  # fmt: skip


def _question(
    bank: str, data: object, index: int, source: str, difficulties: tuple[str, ...] = DIFFICULTIES
) -> Question:
    where = f"{source} question {index + 1}"
    if not isinstance(data, dict):
        raise _fail(where, "a question is a mapping of fields")
    qid = data.get("id")
    if not isinstance(qid, str) or not SNAKE.fullmatch(qid):
        raise _fail(where, f"'id' must be snake_case, not {qid!r}")
    where = f"{source} question {qid!r}"
    unknown = set(data) - QUESTION_FIELDS
    if unknown:
        raise _fail(where, f"unknown fields {sorted(unknown)}")
    if data.get("difficulty") not in difficulties:
        raise _fail(where, f"'difficulty' must be one of {difficulties}")
    if data.get("kind") not in KINDS:
        raise _fail(where, f"'kind' must be one of {KINDS}")
    options = data.get("options")
    if not isinstance(options, dict) or len(options) != len(OPTION_KEYS):
        count = len(options) if isinstance(options, dict) else 0
        raise _fail(where, f"'options' must map four keys a, b, c, d to their text, not {count}")
    if list(options) != list(OPTION_KEYS):
        raise _fail(where, f"option keys must be {list(OPTION_KEYS)} in order")
    if any(v is None or not str(v).strip() for v in options.values()):
        raise _fail(where, "every option needs a text")
    options = {k: str(v).rstrip("\n") for k, v in options.items()}
    answer, hashed = data.get("answer"), data.get("answer_sha256")
    if (answer is None) == (hashed is None):
        raise _fail(where, "give exactly one of 'answer' and 'answer_sha256'")
    if answer is not None and answer not in options:
        raise _fail(where, f"'answer' {answer!r} is not one of the options {sorted(options)}")
    if hashed is not None and sum(
        answer_hash(bank, qid, o) == hashed for o in options
    ) != 1:  # fmt: skip
        raise _fail(where, "'answer_sha256' matches none of the options")
    solution = data.get("solution")
    if isinstance(solution, str):
        solution = [solution]
    if not isinstance(solution, list) or not solution or not all(
        isinstance(s, str) and s.strip() for s in solution
    ):  # fmt: skip
        raise _fail(where, "'solution' must be a list of steps (strings)")
    right = answer if answer is not None else next(
        o for o in options if answer_hash(bank, qid, o) == hashed
    )  # fmt: skip
    mistakes = data.get("mistakes") or {}
    wrong = set(options) - {right}
    if not isinstance(mistakes, dict) or set(mistakes) != wrong:
        raise _fail(where, f"'mistakes' must explain every wrong option {sorted(wrong)}")
    unexplained = sorted(k for k, v in mistakes.items() if v is None or not str(v).strip())
    if unexplained:
        raise _fail(where, f"'mistakes' has no text for the wrong option(s) {unexplained}")
    run = None
    conceptual = data.get("conceptual")
    if "run" in data and conceptual is not None:
        raise _fail(where, "give 'run' (code proves the key) or 'conceptual', not both")
    if "run" in data:
        run = _run(data["run"], {**data, "options": options}, where)
    elif data["kind"] != "concept":
        raise _fail(where, f"a {data['kind']} question must prove its key with 'run'")
    elif not isinstance(conceptual, str) or not conceptual.strip():
        raise _fail(
            where,
            "a question without 'run' needs 'conceptual': one line on why no code decides it",
        )
    return Question(
        bank=bank,
        id=qid,
        difficulty=data["difficulty"],
        kind=data["kind"],
        prompt=_text(data, "prompt", where),
        code=_text(data, "code", where, required=False),
        options=options,
        answer=answer,
        answer_sha256=hashed,
        hint=_text(data, "hint", where),
        solution=tuple(solution),
        mistakes={k: str(v) for k, v in mistakes.items()},
        run=run,
        conceptual=(conceptual or "").strip(),
    )


def parse_bank(
    text: str, name: str, source: str = "<bank>", difficulties: tuple[str, ...] = DIFFICULTIES
) -> Bank:
    """A bank from YAML text; ``BankError`` says exactly what is wrong.

    ``difficulties``: the labels its questions may use (the challenge has its own).
    """
    try:
        # The C loader when PyYAML has it: a graded notebook loads the banks in every test cell.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise BankError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise BankError(f"{source}: a bank is a mapping with lesson, title and questions")
    unknown = set(data) - {"lesson", "title", "setup", "questions"}
    if unknown:
        raise BankError(f"{source}: unknown fields {sorted(unknown)}")
    if data.get("lesson") != name:
        raise BankError(f"{source}: 'lesson' must be {name!r} (the file's name)")
    title = _text(data, "title", source)
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise BankError(f"{source}: 'questions' must be a non-empty list")
    questions = tuple(_question(name, q, i, source, difficulties) for i, q in enumerate(raw))
    ids = [q.id for q in questions]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise BankError(f"{source}: question ids must be unique: {duplicated}")
    return Bank(name, title, questions, _text(data, "setup", source, required=False))


def load_bank(
    name: str, folder: Path = BANKS, difficulties: tuple[str, ...] = DIFFICULTIES
) -> Bank:
    path = folder / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(bank_names(folder))
        raise BankError(f"no bank {name!r}; the banks are: {known}")
    return _load(path, name, path.stat().st_mtime_ns, difficulties)


@functools.lru_cache(maxsize=32)
def _load(path: Path, name: str, modified: int, difficulties: tuple[str, ...]) -> Bank:
    """Parsed once per version of the file (``modified`` is part of the cache key)."""
    bank = parse_bank(path.read_text(encoding="utf-8"), name, str(path.name), difficulties)
    return Bank(bank.name, bank.title, bank.questions, bank.setup, path)


def bank_names(folder: Path = BANKS) -> list[str]:
    return sorted(path.stem for path in folder.glob("*.yaml"))


def lesson_banks(folder: Path = BANKS) -> list[Bank]:
    """The lessons' banks (``NN_name``), in teaching order."""
    return [load_bank(name, folder) for name in bank_names(folder) if name[:2].isdigit()]
