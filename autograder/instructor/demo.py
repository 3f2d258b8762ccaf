"""``make demo``: the example class, autograded in parallel by nbgrader, a grade table and a report.

For every assignment the example class of :mod:`autograder.instructor.example_class` — 40 students:
full marks, partial, empty, broken and hostile notebooks, each with the grades it must get — is
submitted to a fresh course folder (build/demo), graded with ``python -m autograder grade``'s
machinery (parallel, sandboxed), given feedback with ``nbgrader generate_feedback``, and
reported on with ``python -m autograder report all``. The last line says how many submissions
got the grade the example class expects (all of them, or the command exits non-zero).

The two notebooks that run until the cell time limit are only in the first assignment's class
(each keeps a worker busy for a minute); the vandals only when the sandbox is complete.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from autograder.instructor import example_class, grading, parallel, report
from autograder.instructor.paths import REPO
from autograder.instructor.sandbox.kernels import isolation_report

DEMO_ROOT = REPO / "build" / "demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder demo", description=__doc__)
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=parallel.default_jobs(),
        help=f"grading workers (default: {parallel.WORKERS_PER_CPU} per CPU)",
    )
    parser.add_argument("--size", type=int, default=40, help="students per assignment")
    parser.add_argument("--root", type=Path, default=DEMO_ROOT, help="course folder")
    args = parser.parse_args(argv or [])
    if warning := parallel.too_many_jobs(args.jobs):
        print(warning, file=sys.stderr)
    root = args.root.resolve()
    started = time.perf_counter()
    print(f"Course folder: {root}")
    assignments = grading.new_course(root)
    isolation = isolation_report()
    if isolation["level"] != "full":
        print(f"The grading sandbox is partial here ({isolation['why']}): no vandals in the class.")
    rows, wrong = [], 0
    for index, assignment in enumerate(assignments):
        made = example_class.submit_example_class(
            root,
            assignment,
            size=args.size,
            hangs=index == 0,
            vandals=isolation["level"] == "full",
        )
        print(
            f"{assignment}: autograding {len(made)} submissions, {args.jobs} at a time ...",
            flush=True,
        )
        run = parallel.grade(assignment, args.jobs, root)
        print(run.summary(), flush=True)
        grading.nbgrader("generate_feedback", assignment, "--force", course_root=root)
        graded = grading.scores(root, assignment)
        for submission in made:
            cells = graded.get(submission.student, {})
            got = {test: cell.passed for test, cell in cells.items()}
            as_expected = got == submission.expected
            wrong += not as_expected
            rows.append(
                {
                    "assignment": assignment,
                    "student": submission.student,
                    "kind": submission.kind,
                    "score": sum(c.score for c in cells.values()),
                    "max_score": sum(c.max_score for c in cells.values()),
                    "tests_passed": f"{sum(got.values())}/{len(got)}",
                    "as_expected": "yes" if as_expected else "NO",
                    "what": submission.description,
                }
            )
    table = root / "grades.csv"
    with table.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print()
    print(f"{'assignment':<18} {'student':<13} {'kind':<8} {'score':>7}  tests  expected  what")
    for row in rows:
        score = f"{row['score']:g}/{row['max_score']:g}"
        what = row["what"] if len(row["what"]) <= 60 else row["what"][:57] + "..."
        print(
            f"{row['assignment']:<18} {row['student']:<13} {row['kind']:<8} {score:>7}  "
            f"{row['tests_passed']:>5}  {row['as_expected']:<8}  {what}"
        )
    print()
    report.main(["all", "--course-root", str(root)])
    print()
    print(f"Grade table:  {table}")
    print(f"Report:       {root / 'reports' / 'index.html'}")
    print(f"Feedback:     {root / 'feedback'}/<student>/<assignment>/<assignment>.html")
    print(f"Gradebook:    {root / 'gradebook.db'}")
    print(
        f"Done in {time.perf_counter() - started:.0f} s; {len(rows) - wrong} of {len(rows)} "
        "submissions got the grade the example class expects."
    )
    return 1 if wrong else 0
