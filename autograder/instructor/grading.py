"""A course folder run through nbgrader: release, submissions, autograde, feedback, scores.

Used by ``make demo`` (the example class) and by tests/test_autograde.py (the catalogue graded by
nbgrader itself). Everything happens in a course folder of its own, never in the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.instructor import catalogue
from autograder.instructor import notebook_cells as cells
from autograder.instructor.notebook_runner import with_answers
from autograder.instructor.paths import REPO, SOURCE, assignment_ids, nbgrader


def run_nbgrader(*args: str, course_root: Path, db_url: str | None = None, timeout: float = 1800):
    """``paths.nbgrader``, with another gradebook than course_root/gradebook.db if given."""
    if db_url is None:
        return nbgrader(*args, course_root=course_root, timeout=timeout)
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course_root}",
               f"--CourseDirectory.db_url={db_url}"]  # fmt: skip
    scripts = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                            env=env)  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result


def new_course(
    root: Path, assignments: list[str] | None = None, db_url: str | None = None
) -> list[str]:
    """A fresh course folder at ``root`` with source/ copied and every assignment released."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    assignments = assignments or assignment_ids()
    for assignment in assignments:
        shutil.copytree(SOURCE / assignment, root / "source" / assignment)
        run_nbgrader("generate_assignment", assignment, "--force", course_root=root,
                     db_url=db_url)  # fmt: skip
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


def judge_said(root: Path, assignment: str, student: str, tests) -> dict[str, str]:
    """What the judge wrote into each of ``tests`` of a graded notebook: why each scored so."""
    path = notebook_path(root, "autograded", assignment, student)
    said = {}
    for cell in nbformat.read(path, as_version=4).cells:
        test = cells.grade_id(cell)
        if test in tests:
            texts = [o.get("evalue") or o.get("text", "") for o in cell.get("outputs", [])]
            said[test] = " ".join(texts)[:800]
    return said


def wrong_grades(graded: dict[str, dict[str, CellScore]], submissions,
                 root: Path | None = None, assignment: str = "") -> list[str]:  # fmt: skip
    """Submissions (``.student``, ``.expected``) whose tests did not score as expected.

    With ``root`` and ``assignment``, each line says what the judge wrote in those tests.
    """
    problems = []
    for submission in submissions:
        if submission.student not in graded:
            problems.append(f"{submission.student}: not graded")
            continue
        got = {test: cell.passed for test, cell in graded[submission.student].items()}
        if got != submission.expected:
            wrong = sorted(t for t in got if got[t] != submission.expected.get(t))
            line = f"{submission.student}: unexpected result for {wrong}"
            if root is not None:
                said = judge_said(root, assignment, submission.student, wrong)
                line += "".join(f"\n  {t}: {said.get(t)!r}" for t in wrong)
            problems.append(line)
    return problems


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
    return gradebook_scores(f"sqlite:///{root / 'gradebook.db'}", assignment)


def gradebook_scores(db_url: str, assignment: str) -> dict[str, dict[str, CellScore]]:
    """``{student: {test grade_id: CellScore}}`` from the gradebook at ``db_url``."""
    with Gradebook(db_url) as gradebook:
        return {
            submission.student_id: {
                grade.name: CellScore(grade.score, grade.max_score)
                for grade in gradebook.find_submission_notebook(
                    assignment, assignment, submission.student_id
                ).grades
            }
            for submission in gradebook.assignment_submissions(assignment)
        }
