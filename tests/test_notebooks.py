"""Committed notebooks are clean and follow the course's conventions."""

import ast
import re

import nbformat
import pytest

from autograder.instructor import catalogue
from autograder.instructor import notebook_cells as cells
from autograder.instructor.authoring.cells import NOTEBOOK_METADATA
from autograder.instructor.paths import REPO, SOURCE, assignment_ids
from autograder.runtime.bootstrap import BOOTSTRAP_CELL
from tests.notebooks import committed_notebooks

NOTEBOOKS = committed_notebooks()


def _id(path):
    return str(path.relative_to(REPO))


def test_there_are_notebooks_to_check():
    assert any(path.is_relative_to(SOURCE) for path in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata == NOTEBOOK_METADATA, "notebook metadata: only kernelspec and language"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"outputs committed in cell {cell.get('id')}"
            assert cell.execution_count is None
        assert set(cell.metadata) <= {"deletable", "editable", "nbgrader", "tags"}, cell.metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_starts_with_the_common_bootstrap_cell(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "code"
    assert first.source == BOOTSTRAP_CELL


@pytest.mark.parametrize("assignment", assignment_ids())
def test_assignment_cells_follow_the_conventions(assignment):
    nb = catalogue.read_notebook(SOURCE / assignment / f"{assignment}.ipynb")
    graded = [c for c in nb.cells if "nbgrader" in c.metadata]
    ids = [c.metadata.nbgrader["grade_id"] for c in graded]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), "grade_ids are snake_case"
    assert graded[0].metadata.nbgrader["locked"], "the bootstrap cell is read-only"
    answers = catalogue.answer_ids(nb)
    assert answers, "an assignment has answer cells"
    for cell in nb.cells:
        if cells.is_answer(cell):
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        if cells.is_test(cell):
            test_id = cells.grade_id(cell)
            assert any(test_id.startswith(f"test_{a}_") for a in answers), test_id
            assert cells.nbgrader_of(cell)["locked"] and cells.nbgrader_of(cell)["points"] > 0
            body = ast.parse(cell.source.replace("await ", ""))
            assert isinstance(body.body[0].value, ast.Constant), f"{test_id}: open with a docstring"
    for answer in answers:
        assert catalogue.tests_of(nb, answer), f"answer {answer} has no test"
