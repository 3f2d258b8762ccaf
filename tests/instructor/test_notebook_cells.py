"""A cell's role is nbgrader's: tests, answers and grade_ids, for cells built as the course's."""

import nbformat
import pytest

from autograder.instructor import notebook_cells as cells
from autograder.instructor.authoring import cells as build


def _notebook():
    manual = nbformat.v4.new_markdown_cell("Explain.")
    manual.metadata["nbgrader"] = {"grade": True, "grade_id": "explain", "solution": True,
                                   "locked": False, "points": 1, "schema_version": 3}  # fmt: skip
    return nbformat.v4.new_notebook(cells=[
        build.bootstrap(),
        build.answer("greet", "async def greet(request): ..."),
        build.test("test_greet_answers", 'await check("test_greet_answers", greet)', points=1),
        build.code("await greet(None)"),
        manual,
    ])  # fmt: skip


def test_tests_and_answers_are_told_apart_as_nbgrader_does():
    nb = _notebook()
    assert cells.test_ids(nb) == ["test_greet_answers"]
    assert cells.answer_ids(nb) == ["greet", "explain"]  # a written answer is an answer
    assert [cells.is_test(c) for c in nb.cells] == [False, False, True, False, False]
    assert cells.grade_id(nb.cells[3]) is None and cells.nbgrader_of(nb.cells[3]) == {}


def test_a_cell_is_found_by_its_grade_id():
    nb = _notebook()
    assert cells.by_grade_id(nb, "greet") is nb.cells[1]
    with pytest.raises(KeyError):
        cells.by_grade_id(nb, "test_nothing")
