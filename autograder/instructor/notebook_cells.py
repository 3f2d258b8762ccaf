"""What a cell is to nbgrader: a test, an answer, its grade_id; nbgrader's own predicates.

Every instructor tool and test that asks "is this a test cell?" asks here, so that the answer is
nbgrader's (``nbgrader.utils.is_grade`` / ``is_solution``) and the same everywhere.
"""

from __future__ import annotations

from nbformat import NotebookNode
from nbgrader import utils


def nbgrader_of(cell: NotebookNode) -> dict:
    """The cell's nbgrader metadata ({} for an ordinary cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell: NotebookNode) -> str | None:
    return nbgrader_of(cell).get("grade_id")


def is_test(cell: NotebookNode) -> bool:
    """An autograded test cell: graded, not an answer, code."""
    return cell.get("cell_type") == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def is_answer(cell: NotebookNode) -> bool:
    """A cell the student writes (``### BEGIN SOLUTION`` in the source version)."""
    return utils.is_solution(cell)


def test_ids(nb: NotebookNode) -> list[str]:
    return [grade_id(cell) for cell in nb.cells if is_test(cell)]


def answer_ids(nb: NotebookNode) -> list[str]:
    return [grade_id(cell) for cell in nb.cells if is_answer(cell)]


def by_grade_id(nb: NotebookNode, wanted: str) -> NotebookNode:
    """The cell whose grade_id is ``wanted`` (KeyError if there is none)."""
    for cell in nb.cells:
        if grade_id(cell) == wanted:
            return cell
    raise KeyError(wanted)
