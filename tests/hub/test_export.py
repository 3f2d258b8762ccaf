"""``python -m autograder export``: the gradebook as the CSV files Canvas and Moodle import."""

from __future__ import annotations

import csv
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.instructor import export

# nbgrader's own Gradebook.add_submission sets up a relationship before it adds the row to the
# session; SQLAlchemy 2 warns about that ordering (the row is added right after, and is saved).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Object of type <SubmittedAssignment> not in session:sqlalchemy.exc.SAWarning",
    "ignore:Object of type <SubmittedNotebook> not in session:sqlalchemy.exc.SAWarning",
)

DUE = datetime(2026, 11, 20, 9, 0, 0)
STUDENTS = [  # id, first, last, Canvas user id
    ("ada", "Ada", "Lovelace", "1001"),
    ("bob", "Bob", "Barker", ""),
    ("cy", "Cy", "Young", ""),
]
SCORES = {  # (student, assignment): (points, minutes after the due date); cy never submits ps2
    ("ada", "ps1"): (12, -30),
    ("bob", "ps1"): (7.5, 90),
    ("cy", "ps1"): (0, -1),
    ("ada", "ps2"): (10, -5),
    ("bob", "ps2"): (3, -5),
}
MAX = {"ps1": 12, "ps2": 10}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    """A gradebook with two assignments, three students, a late one and a missing submission."""
    url = f"sqlite:///{tmp_path_factory.mktemp('course') / 'gradebook.db'}"
    with pytest.MonkeyPatch.context() as patch:
        # nbgrader runs `alembic` by name when it creates a gradebook.
        patch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        with Gradebook(url) as gradebook:
            for number, (assignment, points) in enumerate(MAX.items()):
                gradebook.add_assignment(assignment, duedate=DUE + timedelta(days=7 * number))
                gradebook.update_or_create_notebook(assignment, assignment)
                gradebook.update_or_create_grade_cell(
                    "test_it", assignment, assignment, max_score=points, cell_type="code"
                )
            for student, first, last, lms in STUDENTS:
                email = f"{student}@example.org"
                gradebook.add_student(
                    student, first_name=first, last_name=last, email=email, lms_user_id=lms or None
                )
            for (student, assignment), (points, minutes) in SCORES.items():
                due = gradebook.find_assignment(assignment).duedate
                gradebook.add_submission(
                    assignment, student, timestamp=due + timedelta(minutes=minutes)
                )
                grade = gradebook.find_grade("test_it", assignment, assignment, student)
                grade.manual_score = points
            gradebook.db.commit()
    return url


def read(path):
    with path.open(newline="") as table:
        return list(csv.reader(table))


def test_canvas_file_has_canvas_columns_points_possible_and_one_row_per_student(tmp_path, db_url):
    path = tmp_path / "canvas.csv"
    assert export.export(path, db_url) == "canvas"
    header, possible, *students = read(path)
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ps1", "ps2"]
    assert possible == ["Points Possible", "", "", "", "", "12", "10"]
    assert students == [  # by last name; no submission counts 0
        ["Barker, Bob", "", "bob", "bob", "", "7.5", "3"],
        ["Lovelace, Ada", "1001", "ada", "ada", "", "12", "10"],
        ["Young, Cy", "", "cy", "cy", "", "0", "0"],
    ]


def test_moodle_file_has_a_user_id_column_to_map_and_plain_numbers(tmp_path, db_url):
    path = tmp_path / "moodle.csv"
    assert export.export(path, db_url) == "moodle"
    header, *students = read(path)
    assert header == ["First name", "Last name", "ID number", "Email address", "ps1", "ps2"]
    assert students[1] == ["Ada", "Lovelace", "ada", "ada@example.org", "12", "10"]
    assert all(len(row) == len(header) for row in students)


def test_plain_file_has_one_row_per_student_and_assignment_with_lateness(tmp_path, db_url):
    path = tmp_path / "grades.csv"
    assert export.export(path, db_url) == "plain"
    with path.open(newline="") as table:
        rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(table)}
    assert len(rows) == len(STUDENTS) * len(MAX)
    assert rows[("bob", "ps1")]["seconds_late"] == "5400"  # 90 minutes after the due date
    assert rows[("ada", "ps1")]["seconds_late"] == "0"
    assert rows[("bob", "ps1")]["score"] == "7.5" and rows[("bob", "ps1")]["max_score"] == "12"
    assert rows[("cy", "ps2")]["submitted"] == "" and rows[("cy", "ps2")]["score"] == "0"
    assert rows[("ada", "ps2")]["submitted"].startswith("2026-11-27T08:55")


def test_the_command_line_writes_the_file_named(tmp_path, db_url, capsys):
    path = tmp_path / "out" / "course-canvas.csv"
    assert export.main(["--to", str(path), "--db-url", db_url]) == 0
    assert read(path)[0][:2] == ["Student", "ID"]
    assert "canvas format" in capsys.readouterr().out
