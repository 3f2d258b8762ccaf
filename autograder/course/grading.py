"""A course folder run through nbgrader: release, submissions, autograde, feedback, scores.

Used by ``make demo`` (the example class) and by tests/test_autograde.py (the catalogue graded by
nbgrader itself). Everything happens in a course folder of its own, never in the repository.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.course import catalogue
from autograder.course.notebook_runner import with_answers
from autograder.course.paths import SOURCE, assignment_ids, nbgrader


def new_course(root: Path, assignments: list[str] | None = None) -> list[str]:
    """A fresh course folder at ``root`` with source/ copied and every assignment released."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    assignments = assignments or assignment_ids()
    for assignment in assignments:
        shutil.copytree(SOURCE / assignment, root / "source" / assignment)
        nbgrader("generate_assignment", assignment, "--force", course_root=root)
    return assignments


def notebook_path(root: Path, stage: str, assignment: str, student: str | None = None) -> Path:
    """Where nbgrader keeps an assignment's notebook at ``stage`` (source, release, ...)."""
    folder = root / stage / student if student else root / stage
    return folder / assignment / f"{assignment}.ipynb"


def submit_catalogue(root: Path, assignment: str) -> list[catalogue.Submission]:
    """Write the catalogue's submissions for ``assignment`` to submitted/, as students would."""
    source = catalogue.read_notebook(notebook_path(root, "source", assignment))
    release = catalogue.read_notebook(notebook_path(root, "release", assignment))
    made = catalogue.submissions(assignment, source, release)
    for submission in made:
        path = notebook_path(root, "submitted", assignment, submission.student)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(with_answers(release, submission.answers), path)
    return made


def autograde(root: Path, assignment: str) -> None:
    """``nbgrader autograde`` for every submission, then ``nbgrader generate_feedback``."""
    nbgrader("autograde", assignment, "--force", course_root=root)
    nbgrader("generate_feedback", assignment, "--force", course_root=root)


@dataclass(frozen=True)
class CellScore:
    score: float
    max_score: float

    @property
    def passed(self) -> bool:
        return self.score == self.max_score


def scores(root: Path, assignment: str) -> dict[str, dict[str, CellScore]]:
    """``{student: {test grade_id: CellScore}}`` from the gradebook."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return {
            submission.student_id: {
                grade.name: CellScore(grade.score, grade.max_score)
                for grade in gradebook.find_submission_notebook(
                    assignment, assignment, submission.student_id
                ).grades
            }
            for submission in gradebook.assignment_submissions(assignment)
        }
