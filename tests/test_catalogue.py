"""Every answer in tests/catalogue/ gets exactly the grade it should, with a message that says why.

The notebook's own test cells (hidden ones included) run in this process like in a kernel: that
is the Validate preview, the judge's checks run in-process. The answer under test is put in its
cell, every other answer cell gets a right answer. Hostile answers are left to
tests/instructor/test_autograde.py (the judge, through nbgrader): the preview runs in the kernel
they attack, and fooling it is theirs to do.
"""

import pytest

from autograder.instructor import catalogue
from autograder.instructor.notebook_runner import run_notebook
from autograder.instructor.paths import SOURCE, assignment_ids

pytestmark = pytest.mark.grading


def _variants():
    for assignment in assignment_ids():
        for variants in catalogue.load(assignment).values():
            for variant in variants:
                if not variant.hostile:
                    yield pytest.param(variant, id=variant.label)


def test_every_assignment_has_a_catalogue_with_right_and_wrong_answers():
    for assignment in assignment_ids():
        nb = catalogue.read_notebook(SOURCE / assignment / f"{assignment}.ipynb")
        loaded = catalogue.load(assignment)
        for answer in catalogue.answer_ids(nb):
            variants = loaded.get(answer, [])
            assert sum(v.right for v in variants) >= 2, f"{assignment}/{answer}: 2+ right answers"
            assert sum(not v.right for v in variants) >= 3, f"{assignment}/{answer}: 3+ wrong ones"
            for variant in variants:
                own = catalogue.tests_of(nb, None if variant.hostile else answer)
                unknown = (variant.fails or set()) - set(own)
                assert not unknown, f"{variant.label} names tests that do not exist: {unknown}"


@pytest.mark.parametrize("variant", list(_variants()))
def test_catalogue_answer_is_graded_as_expected(variant):
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
