"""Prove a bank's keys by running its code: ``python -m autograder practice verify``.

Every snippet runs in a fresh event loop on the main thread, with Django configured from
demo_project like a notebook's first cell does, so it behaves as in a cell: top-level ``await``
works and a sync ORM call raises ``SynchronousOnlyOperation``.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import inspect
import io
import warnings
from contextlib import redirect_stdout
from dataclasses import dataclass

from autograder.runtime.practice.bank import Bank, Outcome, Question

FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
# No snippet needs more than a second; one that runs this long would hang (an outcome too).
SNIPPET_TIME_LIMIT = 10.0


@dataclass(frozen=True)
class Observed:
    stdout: str
    exception: BaseException | None

    def matches(self, expected: Outcome) -> bool:
        if expected.prints is not None and self.stdout.strip() != expected.prints:
            return False
        if expected.raises is None:
            return self.exception is None
        if self.exception is None:
            return False
        names = {cls.__name__ for cls in type(self.exception).__mro__}
        return expected.raises in names and (expected.message or "") in str(self.exception)

    def describe(self) -> str:
        printed = f"printed {self.stdout.strip()!r}"
        if self.exception is not None:
            raised = f"raised {type(self.exception).__name__}: {self.exception}"
            return f"{printed}, then {raised}" if self.stdout.strip() else raised
        return printed


async def _execute(source: str) -> Observed:
    namespace: dict = {"__name__": "__practice__"}
    printed = io.StringIO()
    exception = None
    with redirect_stdout(printed), warnings.catch_warnings():
        # "coroutine ... was never awaited" is part of what some snippets show, not a failure.
        warnings.simplefilter("ignore")
        try:
            result = eval(compile(source, "<practice>", "exec", flags=FLAGS), namespace)
            if inspect.iscoroutine(result):
                async with asyncio.timeout(SNIPPET_TIME_LIMIT):
                    await result
        except (Exception, asyncio.CancelledError) as error:  # the outcome under test
            # CancelledError is a BaseException (since Python 3.8): a snippet may end with one.
            exception = error
        namespace.clear()
        gc.collect()
    return Observed(printed.getvalue(), exception)


def run_snippet(source: str) -> Observed:
    """Run ``source`` (top-level await allowed) in a fresh event loop, as a cell would."""
    return asyncio.run(_execute(source))


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part and part.strip())


@dataclass(frozen=True)
class Verdict:
    question: Question
    matching: frozenset[str]  # the options whose outcome is what really happened
    observed: dict[str, str]  # what happened (per option for pick_code / find_bug)

    @property
    def proven(self) -> bool:
        return len(self.matching) == 1 and self.question.is_right(next(iter(self.matching)))

    def explain(self) -> str:
        what = "; ".join(f"{k}: {v}" for k, v in self.observed.items())
        key = self.question.key()
        return (
            f"{self.question.label}: the key is {key!r} but the options matching what the code "
            f"does are {sorted(self.matching)} ({what})"
        )


def verify_question(question: Question, setup: str = "") -> Verdict | None:
    """Run the question's code; None for a question without code to run."""
    run = question.run
    if run is None:
        return None
    if run.outcomes is not None:
        observed = run_snippet(_join(setup, question.code, run.probe))
        matching = {k for k, outcome in run.outcomes.items() if observed.matches(outcome)}
        return Verdict(question, frozenset(matching), {"code": observed.describe()})
    variants = run.variants or question.options
    matching, seen = set(), {}
    for option, source in variants.items():
        observed = run_snippet(_join(setup, source, run.probe))
        seen[option] = observed.describe()
        if observed.matches(run.expect):
            matching.add(option)
    return Verdict(question, frozenset(matching), seen)


def verify_bank(bank: Bank) -> list[Verdict]:
    return [v for q in bank.questions if (v := verify_question(q, bank.setup)) is not None]


def conceptual_questions(bank: Bank) -> list[Question]:
    """The questions no code can decide; each says why in its ``conceptual`` line."""
    return [q for q in bank.questions if q.run is None]


def report(bank: Bank) -> tuple[list[str], int]:
    """What ``practice verify`` prints for one bank, and how many keys are wrong."""
    verdicts = verify_bank(bank)
    bad = [v for v in verdicts if not v.proven]
    conceptual = conceptual_questions(bank)
    lines = [
        f"{bank.name}: {len(bank.questions)} questions, {len(verdicts)} keys proven by running "
        f"code, {len(conceptual)} conceptual, {len(bad)} wrong"
    ]
    lines += [f"  ✘ {verdict.explain()}" for verdict in bad]
    lines += [f"  · {q.id} (conceptual): {q.conceptual}" for q in conceptual]
    return lines, len(bad)
