"""Build notebook cells with the nbgrader metadata this course uses (for authors and tests).

Source notebooks are edited by people (in JupyterLab with nbgrader's create-assignment tool, or
with these functions from a script); tests/test_notebooks.py checks the conventions either way.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.runtime.bootstrap import BOOTSTRAP_CELL

NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _nbgrader(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _locked(meta: dict) -> dict:
    return {"deletable": False, "editable": False, "nbgrader": meta}


def bootstrap() -> nbformat.NotebookNode:
    """The common first cell, read-only."""
    return new_code_cell(BOOTSTRAP_CELL, metadata=_locked(_nbgrader("setup", locked=True)))


def markdown(text: str, grade_id: str | None = None) -> nbformat.NotebookNode:
    """Prose; with a grade_id it is read-only (instructions students should not edit)."""
    if grade_id is None:
        return new_markdown_cell(text)
    return new_markdown_cell(text, metadata=_locked(_nbgrader(grade_id, locked=True)))


def code(source: str) -> nbformat.NotebookNode:
    """An ordinary code cell the student may run and change (a "try it" cell)."""
    return new_code_cell(source)


def provided(grade_id: str, source: str) -> nbformat.NotebookNode:
    """Read-only code the exercise provides; restored from the gradebook when grading."""
    return new_code_cell(source, metadata=_locked(_nbgrader(grade_id, locked=True)))


def answer(grade_id: str, source: str) -> nbformat.NotebookNode:
    """An autograded answer cell; ``### BEGIN SOLUTION`` / ``### END SOLUTION`` mark the answer."""
    return new_code_cell(source, metadata={"nbgrader": _nbgrader(grade_id, solution=True)})


def test(grade_id: str, source: str, points: int) -> nbformat.NotebookNode:
    """A test cell worth ``points``; hidden parts go between ``### BEGIN/END HIDDEN TESTS``."""
    meta = _nbgrader(grade_id, grade=True, locked=True, points=points)
    return new_code_cell(source, metadata=_locked(meta))


def notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """A notebook with the common first cell and the metadata Jupyter needs, nothing more."""
    nb = new_notebook(cells=[bootstrap(), *cells], metadata=NOTEBOOK_METADATA)
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"  # stable ids keep diffs small
    return nb
