"""``python -m autograder export --to FILE``: the gradebook's scores as a file an LMS imports.

The format follows the file name (or ``--format``):

* ``canvas.csv`` (any name with "canvas"): Canvas's gradebook import. The columns Canvas's own
  export has, ``Student`` ("Last, First"), ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section``, then one column per assignment; the second row is ``Points Possible``. ``ID`` is
  the Canvas user id where nbgrader's roster has it (``lms_user_id``), else empty: Canvas then
  matches the student by ``SIS Login ID``, here the
  nbgrader student id (the hub user name), so a class whose hub logins are the SIS logins imports
  as is. A column that names no Canvas assignment yet makes a new one.
* ``moodle.csv`` (any name with "moodle"): Moodle's CSV grade import. ``First name``,
  ``Last name``, ``ID number`` (the student id: map it to *useridnumber* in Moodle's import
  dialog), ``Email address``, then one column per assignment, points as plain numbers.
* anything else: a plain table, one row per student and assignment: ``student_id``,
  ``last_name``, ``first_name``, ``assignment``, ``score``, ``max_score``, ``submitted``
  (timestamp, empty when there is no submission), ``seconds_late``.

Scores are nbgrader's (``SubmittedAssignment.score``), with its late penalty if the course has one;
a student with no submission gets 0 in the LMS formats (an LMS reads an empty cell as "not
graded") and an empty ``submitted`` in the plain one.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

from autograder.instructor.paths import REPO

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTITY = ["First name", "Last name", "ID number", "Email address"]
PLAIN = ["student_id", "last_name", "first_name", "assignment", "score", "max_score",
         "submitted", "seconds_late"]  # fmt: skip


@dataclass
class Row:
    student_id: str
    first_name: str
    last_name: str
    email: str
    lms_user_id: str
    assignment: str
    score: float
    max_score: float
    submitted: str  # ISO timestamp, "" when not submitted
    seconds_late: float


def points(value: float) -> str:
    """2 -> "2", 2.5 -> "2.5": what both LMSs parse, without float noise."""
    return f"{round(value, 2):g}"


def read_gradebook(db_url: str) -> tuple[list[str], dict[str, float], list[Row]]:
    """Assignments (by due date, then name), their points, and one row per student and one."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        assignments = sorted(
            gradebook.assignments, key=lambda a: (a.duedate is None, a.duedate or 0, a.name)
        )
        names = [a.name for a in assignments]
        max_scores = {a.name: a.max_score for a in assignments}
        rows = []
        for student in sorted(gradebook.students, key=lambda s: (s.last_name or "", s.id)):
            for assignment in assignments:
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    submission = None
                rows.append(
                    Row(
                        student_id=student.id,
                        first_name=student.first_name or "",
                        last_name=student.last_name or "",
                        email=student.email or "",
                        lms_user_id=student.lms_user_id or "",
                        assignment=assignment.name,
                        score=submission.score if submission else 0.0,
                        max_score=assignment.max_score,
                        submitted=submission.timestamp.isoformat()
                        if submission and submission.timestamp
                        else "",
                        seconds_late=submission.total_seconds_late if submission else 0.0,
                    )
                )
    return names, max_scores, rows


def by_student(rows: list[Row]) -> dict[str, dict[str, Row]]:
    table: dict[str, dict[str, Row]] = {}
    for row in rows:
        table.setdefault(row.student_id, {})[row.assignment] = row
    return table


def write_canvas(path: Path, names, max_scores, rows) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CANVAS_IDENTITY + names)
        possible = [points(max_scores[name]) for name in names]
        writer.writerow(["Points Possible", "", "", "", ""] + possible)
        for student, cells in by_student(rows).items():
            first = next(iter(cells.values()))
            name = f"{first.last_name}, {first.first_name}".strip(", ") or student
            writer.writerow(
                [name, first.lms_user_id, student, student, ""]
                + [points(cells[n].score) for n in names]
            )


def write_moodle(path: Path, names, max_scores, rows) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(MOODLE_IDENTITY + names)
        for student, cells in by_student(rows).items():
            first = next(iter(cells.values()))
            writer.writerow(
                [first.first_name, first.last_name, student, first.email]
                + [points(cells[n].score) for n in names]
            )


def write_plain(path: Path, names, max_scores, rows) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(PLAIN)
        for row in rows:
            writer.writerow(
                [row.student_id, row.last_name, row.first_name, row.assignment,
                 points(row.score), points(row.max_score), row.submitted,
                 f"{row.seconds_late:.0f}"]
            )  # fmt: skip


WRITERS = {"canvas": write_canvas, "moodle": write_moodle, "plain": write_plain}


def format_of(path: Path) -> str:
    name = path.name.lower()
    return next((fmt for fmt in ("canvas", "moodle") if fmt in name), "plain")


def export(to: Path, db_url: str, fmt: str | None = None) -> str:
    fmt = fmt or format_of(to)
    names, max_scores, rows = read_gradebook(db_url)
    to.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[fmt](to, names, max_scores, rows)
    return fmt


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--to", type=Path, required=True, help="canvas.csv, moodle.csv, any .csv")
    parser.add_argument("--format", choices=sorted(WRITERS), default=None)
    parser.add_argument("--course-root", type=Path, default=REPO)
    parser.add_argument("--db-url", default=None, help="default: the course's gradebook.db")
    args = parser.parse_args(argv)
    db_url = args.db_url or f"sqlite:///{args.course_root.resolve() / 'gradebook.db'}"
    fmt = export(args.to, db_url, args.format)
    print(f"{args.to}: {fmt} format")
    return 0
