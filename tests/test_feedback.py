"""Feedback shows what each failed test observed, without the code of hidden tests."""

import nbformat

from autograder.instructor.nbgrader.feedback_without_hidden_tests import FeedbackWithoutHiddenTests

HIDDEN = '''"""Hidden test: a delay that is not a finite number from 0 to 5 gets 400."""
### BEGIN HIDDEN TESTS
from autograder.assignments import ps1

await ps1.check_greet_rejects_bad_delay(greet)
### END HIDDEN TESTS'''
VISIBLE = '''"""greet answers."""
from autograder.assignments import ps1

await ps1.check_greet_answers(greet)'''
MESSAGE = "greet: for GET /greet/?delay=nan it answered 200.\nWhat it means: delay must be finite"


def _test_cell(source, grade_id, outputs):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": grade_id,
        "locked": True,
        "points": 2,
        "solution": False,
        "schema_version": 3,
    }
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def _error():
    return {
        "output_type": "error",
        "ename": "CheckFailed",
        "evalue": MESSAGE,
        "traceback": [
            "Cell In[10], line 4",
            "----> 4 await ps1.check_greet_rejects_bad_delay(greet)",
            "File autograder/checks.py:120, in _fail",
            f"CheckFailed: {MESSAGE}",
        ],
    }


def _feedback(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb, _ = FeedbackWithoutHiddenTests().preprocess(nb, {})
    return nb


def test_hidden_test_code_is_removed_and_its_message_kept():
    nb = _feedback(_test_cell(HIDDEN, "test_greet_rejects_bad_delay", [_error()]))
    cell = nb.cells[0]
    assert "check_greet_rejects_bad_delay" not in cell.source
    assert "BEGIN HIDDEN TESTS" not in cell.source
    assert cell.source.startswith('"""Hidden test: a delay')
    (error,) = cell.outputs
    assert error.evalue == MESSAGE
    assert error.traceback == [f"CheckFailed: {MESSAGE}"]
    assert "check_greet_rejects_bad_delay" not in "".join(error.traceback)


def test_visible_tests_keep_their_code_and_traceback():
    nb = _feedback(_test_cell(VISIBLE, "test_greet_answers", [_error()]))
    assert nb.cells[0].source == VISIBLE
    assert len(nb.cells[0].outputs[0].traceback) == 4


def test_a_test_that_failed_only_on_stderr_says_why():
    stderr = {"output_type": "stream", "name": "stderr", "text": "RuntimeWarning: never awaited"}
    nb = _feedback(_test_cell(VISIBLE, "test_greet_answers", [stderr]))
    notes = [o for o in nb.cells[0].outputs if o.output_type == "display_data"]
    assert "counts any stderr as a failure" in notes[0].data["text/plain"]


def test_answer_cells_are_left_alone():
    cell = nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nx = 1\n### END HIDDEN TESTS")
    cell.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": "greet",
        "solution": True,
        "locked": False,
        "schema_version": 3,
    }
    nb = _feedback(cell)
    assert "BEGIN HIDDEN TESTS" in nb.cells[0].source
