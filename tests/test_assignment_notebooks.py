"""Source notebooks pass all their own tests; released ones fail only where work is missing."""

import subprocess
import sys

import pytest

from autograder.instructor import catalogue
from autograder.instructor import notebook_cells as cells
from autograder.instructor.paths import RELEASE, REPO, SOURCE, assignment_ids
from tests.kernel import errors, execute

pytestmark = [pytest.mark.grading, pytest.mark.slow]


@pytest.mark.parametrize("assignment", assignment_ids())
def test_source_notebook_validates(assignment):
    path = SOURCE / assignment / f"{assignment}.ipynb"
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", str(path)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout


@pytest.mark.parametrize("assignment", assignment_ids())
def test_released_notebook_fails_only_where_work_is_missing(assignment):
    nb = execute(catalogue.read_notebook(RELEASE / assignment / f"{assignment}.ipynb"))
    failing_tests = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for error in errors(cell):
            text = f"{error.ename}: {error.evalue}"
            if cells.is_test(cell):
                test_id = cells.grade_id(cell)
                assert "NotImplementedError" in text, f"{test_id} fails otherwise: {text}"
                failing_tests.append(test_id)
            else:
                assert error.ename == "NotImplementedError", f"cell fails: {text}\n{cell.source}"
    # Every visible test checks work the student has to do.
    visible = [cells.grade_id(c) for c in nb.cells if cells.is_test(c) and "await " in c.source]
    assert failing_tests == visible
