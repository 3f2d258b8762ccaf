"""Every check of the course, in one place: its grade_id, points, what it serves, what it says.

A check is an ``async def`` taking a :class:`~autograder.judge.stage.Stage` and returning the
line of evidence shown to the student (``✔ ...``), or raising ``CheckFailed``. It is declared with
``@check(assignment, grade_id, points, views=..., values=..., hidden=...)``; its docstring's first
line is the description that the notebook's test cell opens with (tests/test_registry.py checks
that the notebooks and the registry agree: grade_ids, points, hidden or not, descriptions).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# The module that holds each assignment's checks.
MODULES = {
    "ps1_async_views": "autograder.judge.assignments.ps1",
    "ps2_concurrent_io": "autograder.judge.assignments.ps2",
    "ps3_async_orm": "autograder.judge.assignments.ps3",
    "ps4_production": "autograder.judge.assignments.ps4",
    "challenge": "autograder.judge.assignments.challenge",
    "practice": "autograder.judge.assignments.practice",
}


@dataclass(frozen=True)
class Check:
    assignment: str
    grade_id: str
    points: int
    run: Callable[..., Awaitable[str]]
    views: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    hidden: bool = False
    description: str = ""
    # Provided names the kernel puts back to these values while it serves (a "try it" cell that
    # changed MIRRORS must not change the grade).
    constants: tuple[tuple[str, object], ...] = ()
    # Django's default cache is emptied in the kernel before the check (it needs cold entries).
    clear_cache: bool = False

    @property
    def served(self) -> tuple[str, ...]:
        """The names the kernel serves for this check."""
        return self.views + self.values


_CHECKS: dict[str, dict[str, Check]] = {}


def check(assignment: str, grade_id: str, points: int, *, views=(), values=(), hidden=False,
          constants: dict | None = None, clear_cache: bool = False):  # fmt: skip
    """Declare a check (see the module docstring)."""

    def register(function):
        description = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
        add(Check(assignment, grade_id, points, function, tuple(views), tuple(values), hidden,
                  description, tuple((constants or {}).items()), clear_cache))  # fmt: skip
        return function

    return register


def add(spec: Check) -> None:
    checks = _CHECKS.setdefault(spec.assignment, {})
    if spec.grade_id in checks:
        raise ValueError(f"{spec.assignment}: two checks named {spec.grade_id}")
    checks[spec.grade_id] = spec


def checks_of(assignment: str) -> dict[str, Check]:
    """The checks of ``assignment`` by grade_id, in notebook order (empty if it has none)."""
    module = MODULES.get(assignment)
    if module is not None:
        importlib.import_module(module)
    return dict(_CHECKS.get(assignment, {}))


def find(grade_id: str, assignment: str | None = None) -> Check:
    """The check called ``grade_id`` (in ``assignment``, or in whichever assignment has it)."""
    names = [assignment] if assignment else list(MODULES)
    for name in names:
        found = checks_of(name).get(grade_id)
        if found is not None:
            return found
    raise KeyError(f"no check {grade_id!r}" + (f" in {assignment}" if assignment else ""))
