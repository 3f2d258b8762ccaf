"""Each catalogue answer through its notebook's own test cells, in-process: the Validate preview.

The notebook's test cells (hidden ones included) run in this process as in a kernel, so the
judge's checks run with the preview's data. The answer under test is put in its cell, every other
answer cell gets a right answer. Hostile answers are left to tests/test_autograde.py (the judge,
through nbgrader): the preview runs in the kernel they attack, and fooling it is theirs to do.
"""

from __future__ import annotations

import pytest

from autograder.instructor import catalogue
from autograder.instructor.notebook_runner import run_notebook
from autograder.instructor.paths import SOURCE


def variants(assignment: str) -> list:
    """pytest params of the assignment's catalogue answers that the preview can judge."""
    return [
        pytest.param(variant, id=variant.label)
        for answers in catalogue.load(assignment).values()
        for variant in answers
        if not variant.hostile
    ]


def assert_graded_as_expected(variant: catalogue.Variant) -> None:
    nb = catalogue.read_notebook(SOURCE / variant.assignment / f"{variant.assignment}.ipynb")
    right = {a: vs[0].source for a, vs in catalogue.load(variant.assignment).items()}
    tests = None if variant.fails is None else set(catalogue.tests_of(nb, variant.answer))
    outcomes = run_notebook(nb, {**right, variant.answer: variant.source}, tests=tests)
    got = {test: outcome.passed for test, outcome in outcomes.items()}
    expected = {test: variant.expected_pass(test) for test in got}
    messages = "\n\n".join(
        f"{t}: {o.error or o.stderr}" for t, o in outcomes.items() if not o.passed
    )
    assert got == expected, f"{variant.label} ({variant.description}):\n{messages}"
    for fragment in variant.says:
        assert fragment in messages, f"{variant.label}: no failing test says {fragment!r}"
    for outcome in outcomes.values():
        assert outcome.stderr == "", f"{outcome.grade_id} wrote to stderr: {outcome.stderr}"
