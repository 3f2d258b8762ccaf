"""Feedback shows what each failed test observed, without the code of hidden tests."""

import nbformat

from autograder.instructor.nbgrader.feedback_without_hidden_tests import FeedbackWithoutHiddenTests
from autograder.instructor.nbgrader.sandboxed_execute import _verdict_outputs
from autograder.judge.verdict import Verdict

HIDDEN = '''"""Hidden test: a delay that is not a finite number from 0 to 5 gets 400."""
### BEGIN HIDDEN TESTS
from autograder.judge.preview import check

await check("test_greet_rejects_bad_delay", greet)
### END HIDDEN TESTS'''
VISIBLE = '''"""greet answers."""
from autograder.judge.preview import check

await check("test_greet_answers", greet)'''
MESSAGE = (
    "greet: for GET /greet/?delay=nan it answered 200.\n"
    "What it means: delay must be finite\n"
    "What to change: check math.isfinite(delay)"
)


def _test_cell(source, grade_id, verdict):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": grade_id,
        "locked": True,
        "points": 2,
        "solution": False,
        "schema_version": 3,
    }
    cell.outputs = _verdict_outputs(verdict)  # what the judge writes into a graded test cell
    return cell


def _feedback(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb, _ = FeedbackWithoutHiddenTests().preprocess(nb, {})
    return nb


def test_hidden_test_code_is_removed_and_its_message_kept():
    failed = Verdict("test_greet_rejects_bad_delay", False, MESSAGE, 0.4)
    nb = _feedback(_test_cell(HIDDEN, "test_greet_rejects_bad_delay", failed))
    cell = nb.cells[0]
    assert "check(" not in cell.source
    assert "BEGIN HIDDEN TESTS" not in cell.source
    assert cell.source.startswith('"""Hidden test: a delay')
    (error,) = cell.outputs
    assert error.evalue == MESSAGE
    assert error.traceback == [f"CheckFailed: {MESSAGE}"]


def test_visible_tests_keep_their_code_and_the_whole_message():
    failed = Verdict("test_greet_answers", False, MESSAGE, 0.4)
    nb = _feedback(_test_cell(VISIBLE, "test_greet_answers", failed))
    assert nb.cells[0].source == VISIBLE
    assert nb.cells[0].outputs[0].traceback == [
        f"CheckFailed: {line}" if i == 0 else line for i, line in enumerate(MESSAGE.splitlines())
    ]


def test_a_passed_test_shows_the_evidence():
    passed = Verdict("test_greet_answers", True, "greet answered 3 names", 0.4)
    nb = _feedback(_test_cell(HIDDEN, "test_greet_rejects_bad_delay", passed))
    (output,) = nb.cells[0].outputs
    assert output.output_type == "stream" and output.text == "✔ greet answered 3 names\n"


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
