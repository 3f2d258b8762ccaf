"""Graded by the judge, through nbgrader: each submission its own data, named in its feedback."""

from __future__ import annotations

import re

import nbformat
import pytest

from autograder.instructor import catalogue, grading
from autograder.instructor import notebook_cells as cells
from autograder.instructor.notebook_runner import with_answers

pytestmark = [pytest.mark.grading, pytest.mark.slow]

ASSIGNMENT = "ps1_async_views"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("judged")
    grading.new_course(root, [ASSIGNMENT])
    release = catalogue.read_notebook(grading.notebook_path(root, "release", ASSIGNMENT))
    right = {a: vs[0].source for a, vs in catalogue.load(ASSIGNMENT).items()}
    wrong = next(
        v for v in catalogue.load(ASSIGNMENT)["profile"] if v.name == "wrong_404_for_bad_input"
    )
    answers = {"alice": right, "bob": right, "carol": {**right, "profile": wrong.source}}
    for student, chosen in answers.items():
        path = grading.notebook_path(root, "submitted", ASSIGNMENT, student)
        path.parent.mkdir(parents=True)
        nbformat.write(with_answers(release, chosen), path)
    grading.autograde(root, ASSIGNMENT)
    assert (root / ".autograder" / "secret").exists()
    return root


def _evidence(root, student, grade_id) -> str:
    nb = nbformat.read(grading.notebook_path(root, "autograded", ASSIGNMENT, student), as_version=4)
    cell = cells.by_grade_id(nb, grade_id)
    return "".join(o.get("text") or o.get("evalue", "") for o in cell.outputs)


def _feedback(root, student) -> str:
    return (
        grading.notebook_path(root, "feedback", ASSIGNMENT, student)
        .with_suffix(".html")
        .read_text()
    )


def test_two_submissions_see_different_data_and_each_feedback_names_its_own(course):
    names = {}
    for student in ("alice", "bob"):
        evidence = _evidence(course, student, "test_greet_answers")
        names[student] = re.search(r"\(e\.g\. '([^']+)'\)", evidence).group(1)
        assert names[student] in _feedback(course, student)
    assert names["alice"] != names["bob"]
    assert names["alice"] not in _feedback(course, "bob")


def test_a_failed_hidden_test_shows_the_data_it_failed_on_and_not_its_code(course):
    message = _evidence(course, "carol", "test_profile_handles_bad_input")
    assert re.search(r"for GET /profile/\S* it answered 404 .*expected 400", message), message
    feedback = _feedback(course, "carol")
    assert "expected 400" in feedback and "GET /profile/" in feedback
    assert "await check(" not in feedback.split("test_profile_handles_bad_input")[-1][:2000]


def test_right_answers_score_full_marks(course):
    for student in ("alice", "bob"):
        got = {t: s.passed for t, s in grading.scores(course, ASSIGNMENT)[student].items()}
        assert all(got.values()), got
