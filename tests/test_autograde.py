"""The catalogue, submitted as a class and graded through nbgrader, gets exactly its grades."""

import os
import shutil

import nbformat
import pytest

from autograder.instructor import grading
from tests.grading_helpers import grade_cli

pytestmark = [pytest.mark.grading, pytest.mark.slow]


def _tag_everything(path):
    """A student who tags every cell to be skipped (nbclient honours skip-execution)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata["tags"] = ["skip-execution", "raises-exception"]
    nbformat.write(nb, path)


def _representative(tmp_path, assignment, submissions):
    """The submissions nbgrader grades here: the empty one, every answer that only nbgrader can
    judge (``alone-``: tampering and hostile ones), and every fourth mix of wrong answers. Every
    answer of the mixes gets its verdict from the same checks in tests/judge/assignments; the
    stability benchmark (``--judge``) and ``FULL_CATALOGUE=1`` grade them all this way."""
    mixes = [s.student for s in submissions if s.student.startswith("mix")]
    kept = set(mixes if os.environ.get("FULL_CATALOGUE") else mixes[::4])
    chosen = [s for s in submissions if not s.student.startswith("mix") or s.student in kept]
    for dropped in {s.student for s in submissions} - {s.student for s in chosen}:
        shutil.rmtree(tmp_path / "submitted" / dropped)
    return chosen


@pytest.mark.parametrize("assignment", grading.assignment_ids())
def test_catalogue_is_graded_as_expected_by_nbgrader(tmp_path, assignment):
    grading.new_course(tmp_path, [assignment])
    submissions = _representative(
        tmp_path, assignment, grading.submit_catalogue(tmp_path, assignment)
    )
    # One more student: a mixed submission with wrong answers again, every cell tagged to be
    # skipped; if the tags were honoured its failing tests would score full points.
    mixed = next(
        s for s in submissions if s.student.startswith("mix") and not all(s.expected.values())
    )
    tagged = tmp_path / "submitted" / "tagged" / assignment
    tagged.mkdir(parents=True)
    original = grading.notebook_path(tmp_path, "submitted", assignment, mixed.student)
    (tagged / original.name).write_bytes(original.read_bytes())
    _tag_everything(tagged / original.name)

    # nbgrader's own Autograde converter, several submissions at a time (`python -m autograder
    # grade`): tests/test_parallel_grading.py proves it grades exactly as `nbgrader autograde`.
    result = grade_cli(assignment, tmp_path, "--no-progress", jobs=4)
    assert result.returncode == 0, result.stdout + result.stderr
    grading.nbgrader("generate_feedback", assignment, "--force", course_root=tmp_path)
    graded = grading.scores(tmp_path, assignment)

    report = []
    for student, expected in [(s.student, s.expected) for s in submissions] + [
        ("tagged", mixed.expected)
    ]:
        got = {test: cell.passed for test, cell in graded[student].items()}
        if got != expected:
            wrong = sorted(t for t in expected if got.get(t) != expected[t])
            said = grading.judge_said(tmp_path, assignment, student, wrong)
            report.append(
                f"{student}: "
                + "; ".join(
                    f"{t} expected {'pass' if expected[t] else 'fail'}, said: {said.get(t)!r}"
                    for t in wrong
                )
            )
        feedback = grading.notebook_path(tmp_path, "feedback", assignment, student)
        assert feedback.with_suffix(".html").exists(), f"no feedback for {student}"
    assert not report, "\n".join(report)
