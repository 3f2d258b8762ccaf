"""``make demo``: the example class of submissions, autograded by nbgrader, as a grade table.

Every submission is built from the catalogue of right and wrong answers (tests/catalogue/), so
the table also shows whether each one got the grade the catalogue says it must.
"""

from __future__ import annotations

import csv
import time

from autograder.course import grading
from autograder.course.paths import REPO

DEMO_ROOT = REPO / "build" / "demo"


def main() -> int:
    started = time.perf_counter()
    print(f"Course folder: {DEMO_ROOT}")
    assignments = grading.new_course(DEMO_ROOT)
    rows, wrong = [], 0
    for assignment in assignments:
        submissions = grading.submit_catalogue(DEMO_ROOT, assignment)
        print(f"{assignment}: autograding {len(submissions)} submissions with nbgrader ...",
              flush=True)  # fmt: skip
        grading.autograde(DEMO_ROOT, assignment)
        graded = grading.scores(DEMO_ROOT, assignment)
        for submission in submissions:
            cells = graded[submission.student]
            got = {test: cell.passed for test, cell in cells.items()}
            as_expected = got == submission.expected
            wrong += not as_expected
            rows.append({
                "assignment": assignment,
                "student": submission.student,
                "score": sum(c.score for c in cells.values()),
                "max_score": sum(c.max_score for c in cells.values()),
                "tests_passed": f"{sum(got.values())}/{len(got)}",
                "as_expected": "yes" if as_expected else "NO",
                "answers": " ".join(submission.variants),
            })  # fmt: skip
    table = DEMO_ROOT / "grades.csv"
    with table.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print()
    print(f"{'assignment':<20} {'student':<34} {'score':>11}  tests  expected")
    for row in rows:
        score = f"{row['score']:g}/{row['max_score']:g}"
        print(f"{row['assignment']:<20} {row['student']:<34} {score:>11}  "
              f"{row['tests_passed']:>5}  {row['as_expected']}")  # fmt: skip
    print()
    print(f"Grade table:  {table}")
    print(f"Feedback:     {DEMO_ROOT / 'feedback'}/<student>/<assignment>/<assignment>.html")
    print(f"Gradebook:    {DEMO_ROOT / 'gradebook.db'}")
    print(f"Autograded:   {DEMO_ROOT / 'autograded'}")
    print(f"Done in {time.perf_counter() - started:.0f} s; {len(rows) - wrong} of {len(rows)} "
          "submissions got the grade the catalogue expects.")  # fmt: skip
    return 1 if wrong else 0
