"""nbgrader grades the challenge from its answer cells only: right, partly right, empty, and a
student whose state file claims every problem solved while the answer cells say otherwise."""

import json

import nbformat
import pytest

from autograder.instructor import grading
from autograder.instructor.catalogue import read_notebook
from autograder.instructor.notebook_runner import with_answers
from autograder.instructor.paths import REPO

pytestmark = [pytest.mark.grading, pytest.mark.slow]

CATALOGUE = REPO / "tests" / "catalogue" / "challenge"


def _answer(cell, name):
    return (CATALOGUE / cell / f"{name}.py").read_text()


def test_challenge_scores_come_from_the_answers(tmp_path):
    grading.new_course(tmp_path, ["challenge"])
    release = read_notebook(grading.notebook_path(tmp_path, "release", "challenge"))
    submissions = {
        "right": {"answers": _answer("answers", "all_right"),
                  "item_summary": _answer("item_summary", "gather")},
        "partly": {"answers": _answer("answers", "two_wrong"),
                   "item_summary": _answer("item_summary", "one_after_another")},
        "empty": {},
        "claims": {},  # empty answers, but a state file that says everything was solved
    }  # fmt: skip
    for student, answers in submissions.items():
        path = grading.notebook_path(tmp_path, "submitted", "challenge", student)
        path.parent.mkdir(parents=True)
        nbformat.write(with_answers(release, answers), path)
    claims = {"version": 1, "seconds_per_problem": 150, "attempts_per_problem": 2,
              "coding_passed": True,
              "problems": {pid: {"started_at": 1.0, "answers": ["a"], "solved": True}
                           for pid in ("concept", "orm_behaviour", "async_syntax", "debugging",
                                       "predict_output")}}  # fmt: skip
    state = grading.notebook_path(tmp_path, "submitted", "challenge", "claims").parent
    (state / "challenge_state.json").write_text(json.dumps(claims))

    grading.autograde(tmp_path, "challenge")
    scores = grading.scores(tmp_path, "challenge")
    totals = {s: sum(c.score for c in cells.values()) for s, cells in scores.items()}
    maximum = sum(c.max_score for c in scores["right"].values())
    assert maximum == 15
    # partly: problems 2 and 5 wrong (-4), the view answers but does not overlap (-3)
    assert totals == {"right": 15, "partly": 8, "empty": 0, "claims": 0}, totals
