"""The grade report's numbers match a class whose grades are known, and it is safe to open."""

from __future__ import annotations

import base64
import csv
import re
import subprocess
import sys

import pytest

from autograder.instructor import catalogue, example_class, grading, report
from autograder.instructor.paths import REPO

ASSIGNMENT = "ps1_async_views"


@pytest.fixture(scope="module")
def graded(graded_ps1_class):
    """The shared graded class (tests/conftest.py), with its report written."""
    root, made = graded_ps1_class.root, graded_ps1_class.made
    result = graded_ps1_class.cli
    assert result.returncode == 0, result.stdout + result.stderr
    wrong = grading.wrong_grades(grading.scores(root, ASSIGNMENT), made, root, ASSIGNMENT)
    assert not wrong, "\n".join(wrong)  # the report's numbers are checked against these grades
    command = [sys.executable, "-m", "autograder", "report", "all", "--course-root", str(root)]
    printed = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=True)
    source = catalogue.read_notebook(root / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return {
        "root": root,
        "made": made,
        "printed": printed.stdout,
        "points": example_class.max_points(source),
    }


def _rows(path):
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


@pytest.mark.grading
@pytest.mark.slow
def test_totals_per_student_are_the_known_grades(graded):
    folder = graded["root"] / "reports" / ASSIGNMENT
    rows = {r["student"]: r for r in _rows(folder / "scores.csv")}
    assert set(rows) == {s.student for s in graded["made"]}
    for submission in graded["made"]:
        expected = submission.points(graded["points"])
        assert float(rows[submission.student]["total"]) == expected, submission.student
        for test, passes in submission.expected.items():
            score = float(rows[submission.student][test])
            assert score == (graded["points"][test] if passes else 0), (submission.student, test)


@pytest.mark.grading
@pytest.mark.slow
def test_pass_rates_per_test_and_per_exercise(graded):
    made = graded["made"]
    rows = {r["test"]: r for r in _rows(graded["root"] / "reports" / ASSIGNMENT / "tests.csv")}
    for test in graded["points"]:
        passed = sum(s.expected[test] for s in made)
        assert int(rows[test]["passed"]) == passed, test
        assert int(rows[test]["failed"]) == len(made) - passed, test
        assert float(rows[test]["pass_rate"]) == pytest.approx(passed / len(made), abs=1e-3)
        assert rows[test]["exercise"] == test.removeprefix("test_").split("_")[0]
    collected = report.collect(
        graded["root"], f"sqlite:///{graded['root'] / 'gradebook.db'}", ASSIGNMENT
    )
    for exercise in ("greet", "profile"):
        tests = [t for t in graded["points"] if t.startswith(f"test_{exercise}_")]
        expected = sum(all(s.expected[t] for t in tests) for s in made) / len(made)
        assert collected.exercise_pass_rate(exercise) == pytest.approx(expected)


@pytest.mark.grading
@pytest.mark.slow
def test_failures_are_grouped_by_what_they_mean(graded):
    rows = _rows(graded["root"] / "reports" / ASSIGNMENT / "failures.csv")
    by_test: dict[str, int] = {}
    for row in rows:
        by_test[row["test"]] = by_test.get(row["test"], 0) + int(row["students"])
        assert len(row["student_ids"].split()) == int(row["students"])
    for test in graded["points"]:
        failed = sum(not s.expected[test] for s in graded["made"])
        assert by_test.get(test, 0) == failed, test  # every failure is in exactly one group
    meanings = {row["meaning"] for row in rows}
    # Messages the catalogue says its wrong answers must show, grouped under their meaning:
    assert any("without `await`" in m for m in meanings), meanings
    assert any("regular (synchronous) function" in r["example_message"] for r in rows), rows
    undefined = "The answer cell did not define the view, or it was not run before this test."
    assert undefined in meanings, meanings
    # A meaning does not carry the submission's drawn numbers, which would split its group.
    numberless = [re.sub(r"\d+(\.\d+)?", "N", m) for m in meanings]
    assert len(set(numberless)) == len(numberless), sorted(numberless)


@pytest.mark.grading
@pytest.mark.slow
def test_the_html_report_embeds_its_plots_and_says_what_hit_hardest(graded):
    page = (graded["root"] / "reports" / ASSIGNMENT / "report.html").read_text()
    images = page.split("data:image/png;base64,")[1:]
    assert len(images) == 3
    for image in images:
        assert base64.b64decode(image.split("'", 1)[0]).startswith(b"\x89PNG")
    assert "What hit the class hardest" in page
    assert f"{len(graded['made'])} students graded" in page
    assert "index.html" not in graded["printed"]  # one assignment: no index
    assert str(graded["root"] / "reports" / ASSIGNMENT / "report.html") in graded["printed"]


def _fake_report(message: str) -> report.AssignmentReport:
    test = report.TestResult("test_x_works", "x", 1.0, passed=["a"], failed=["b"])
    test.failures[message] = report.Failure(message, message, message, ["b"])
    return report.AssignmentReport(
        "psX",
        1.0,
        {"a": 1.0, "b": 0.0},
        {"a": {"test_x_works": 1.0}, "b": {"test_x_works": 0.0}},
        [test],
    )


def test_student_output_is_escaped_in_the_report():
    page = report.render_html(_fake_report("<script>alert('x')</script>"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_a_check_message_is_grouped_by_its_meaning():
    outputs = [
        {
            "output_type": "error",
            "ename": "CheckFailed",
            "evalue": "greet: took 3.02 s.\nWhat it means: it blocks.\nWhat to change: x",
        }
    ]
    key, meaning, message = report.classify(outputs)
    assert key == meaning == "it blocks."
    assert "took 3.02 s" in message
    other = [
        {
            "output_type": "error",
            "ename": "CheckFailed",
            "evalue": "greet: took 4.51 s.\nWhat it means: it blocks.",
        }
    ]
    assert report.classify(other)[0] == key
    stderr = [{"output_type": "stream", "name": "stderr", "text": "Warning 12 at line 3\n"}]
    assert report.classify(stderr)[0] == "wrote to stderr: Warning N at line N"


@pytest.mark.grading
@pytest.mark.slow
def test_example_class_has_names_and_submission_times_for_formgrader(graded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded['root'] / 'gradebook.db'}") as gradebook:
        students = {s.id: s for s in gradebook.students}
        for submission in graded["made"]:
            student = students[submission.student]
            assert student.first_name and student.last_name, student.id
            graded_submission = gradebook.find_submission(ASSIGNMENT, submission.student)
            assert graded_submission.timestamp is not None, submission.student
