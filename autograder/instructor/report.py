"""``python -m autograder report <assignment|all>``: what the class got right and wrong.

Reads the gradebook (scores) and the autograded notebooks (what each failed test printed) and
writes, per assignment, ``reports/<assignment>/``:

* ``report.html`` — score distribution, pass rate per exercise and per test, the most common
  failure messages per test and the misconceptions that hit most students, with PNG plots
  embedded (matplotlib), every table also as CSV;
* ``scores.csv`` (one row per student: every test's score and the total), ``tests.csv`` (one row
  per test: points, passed, failed, pass rate, most common failure) and ``failures.csv`` (one row
  per test and failure message: how many students, which ones).

The checks fail with messages of three parts: ``<view>: <what was observed>``, ``What it means:
<the misconception>`` and ``What to change: ...``. Failures are grouped by test and by the "What it
means" line (the observation varies with timings and inputs; the meaning does not); failures
without one (a NameError, a timeout, output on stderr) are grouped by their first line with the
numbers taken out. Everything a notebook printed is escaped: student output is untrusted.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.instructor import notebook_cells as cells

MESSAGE_LIMIT = 600
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?")


@dataclass
class Failure:
    """One kind of failure of one test: the grouping key and what students saw."""

    key: str
    meaning: str
    example: str
    students: list[str] = field(default_factory=list)


@dataclass
class TestResult:
    test: str
    exercise: str
    points: float
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)

    @property
    def pass_rate(self) -> float:
        graded = len(self.passed) + len(self.failed)
        return len(self.passed) / graded if graded else 0.0

    def common_failures(self) -> list[Failure]:
        return sorted(self.failures.values(), key=lambda f: (-len(f.students), f.key))


@dataclass
class AssignmentReport:
    assignment: str
    max_score: float
    totals: dict[str, float]  # student -> total score
    scores: dict[str, dict[str, float]]  # student -> test -> score
    tests: list[TestResult]
    not_autograded: list[str] = field(default_factory=list)
    needs_manual_grade: list[str] = field(default_factory=list)
    refusals: dict[str, list] = field(default_factory=dict)  # student -> intake.Refusal
    refused_inbound: list[dict] = field(default_factory=list)  # collect refused outright

    @property
    def exercises(self) -> dict[str, list[TestResult]]:
        grouped: dict[str, list[TestResult]] = {}
        for test in self.tests:
            grouped.setdefault(test.exercise, []).append(test)
        return grouped

    def exercise_pass_rate(self, exercise: str) -> float:
        """Students who passed every test of the exercise, of all graded students."""
        tests = self.exercises[exercise]
        students = set(self.scores)
        passed = [s for s in students if all(s in t.passed for t in tests)]
        return len(passed) / len(students) if students else 0.0

    def misconceptions(self) -> list[tuple[str, set[str], list[str]]]:
        """(meaning, students it hit, tests) — most students first."""
        hit: dict[str, set[str]] = defaultdict(set)
        where: dict[str, list[str]] = defaultdict(list)
        for test in self.tests:
            for failure in test.failures.values():
                hit[failure.meaning].update(failure.students)
                if test.test not in where[failure.meaning]:
                    where[failure.meaning].append(test.test)
        return sorted(((m, s, where[m]) for m, s in hit.items()), key=lambda x: (-len(x[1]), x[0]))


# --- reading the messages ---


def _clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def classify(outputs: list) -> tuple[str, str, str]:
    """(grouping key, meaning, message) of a failed test cell's outputs."""
    for output in outputs:
        if output.get("output_type") != "error":
            continue
        ename, evalue = output.get("ename", "Error"), str(output.get("evalue", ""))
        lines = [line.strip() for line in evalue.splitlines() if line.strip()]
        meaning = next(
            (
                line.removeprefix("What it means:").strip()
                for line in lines
                if line.startswith("What it means:")
            ),
            "",
        )
        first = lines[0] if lines else ename
        raised = re.search(r"^(\w+): .*?\braised (\w+)", first)
        if meaning.startswith("Read the error above") and raised:
            meaning = f"{raised.group(1)} raised {raised.group(2)}"
        if not meaning:
            meaning = f"{ename}: {NUMBER.sub('N', first)}"
            if ename == "GradingTampered":
                meaning = "GradingTampered: the notebook rebound clocks, asyncio or the checks"
        return _clip(meaning, 300), _clip(meaning, 300), _clip(f"{ename}: {evalue}")
    stderr = "".join(
        o.get("text", "")
        for o in outputs
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    )
    if stderr:
        first = next((line for line in stderr.splitlines() if line.strip()), "")
        meaning = f"wrote to stderr: {NUMBER.sub('N', first.strip())}"
        return _clip(meaning, 300), _clip(meaning, 300), _clip(stderr)
    return "no error shown", "no error shown", "(the cell shows no error and no stderr)"


def _grade_cells(nb) -> list[tuple[str, str]]:
    """(test grade_id, exercise) in notebook order; a test belongs to the answer cell above it."""
    exercise, found = "", []
    for cell in nb.cells:
        if cells.is_answer(cell):
            exercise = cells.grade_id(cell) or ""
        elif cells.is_test(cell):
            found.append((cells.grade_id(cell), exercise or "(no answer cell above)"))
    return found


# --- collecting ---


def collect(course_root: Path, db_url: str, assignment: str, records=None) -> AssignmentReport:
    """Everything the report shows, from the gradebook, the autograded notebooks and the
    intake's records (what it refused of each submission)."""
    from nbgrader.api import Gradebook

    from autograder.instructor import intake

    scores: dict[str, dict[str, float]] = {}
    points: dict[str, float] = {}
    needs_manual = []
    with Gradebook(db_url) as gradebook:
        record = gradebook.find_assignment(assignment)
        max_score = record.max_score
        notebooks = [n.name for n in record.notebooks]
        for submission in gradebook.assignment_submissions(assignment):
            student = submission.student_id
            scores[student] = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    scores[student][grade.name] = float(grade.score or 0)
                    points[grade.name] = float(grade.max_score)
                    if grade.needs_manual_grade and student not in needs_manual:
                        needs_manual.append(student)
    # Order and exercises from the notebooks (the gradebook does not keep cell order).
    order: list[tuple[str, str]] = []
    for name in notebooks:
        for stage in ("release", "source"):
            path = course_root / stage / assignment / f"{name}.ipynb"
            if path.exists():
                order += _grade_cells(nbformat.read(path, as_version=4))
                break
    known = {t for t, _ in order}
    order += [(t, "(unknown)") for t in sorted(points) if t not in known]
    tests = {t: TestResult(t, exercise, points.get(t, 0.0)) for t, exercise in order if t in points}
    records = records or intake.Records(course_root)
    refusals = records.refusals_by_student(assignment)
    not_autograded = []
    for student in sorted(scores):
        outputs_by_test: dict[str, list] = {}
        found_any = False
        for name in notebooks:
            path = course_root / "autograded" / student / assignment / f"{name}.ipynb"
            if not path.exists():
                continue
            found_any = True
            for cell in nbformat.read(path, as_version=4).cells:
                if cells.grade_id(cell) in tests and cell.cell_type == "code":
                    outputs_by_test[cells.grade_id(cell)] = cell.get("outputs", [])
        if not found_any:
            not_autograded.append(student)
        for test, result in tests.items():
            score = scores[student].get(test)
            if score is None:
                continue
            if score >= result.points:
                result.passed.append(student)
                continue
            result.failed.append(student)
            key, meaning, message = classify(outputs_by_test.get(test, []))
            if test not in outputs_by_test:
                key = meaning = "not autograded (no autograded notebook)"
                message = "nbgrader could not autograde this submission"
                refused = [r for r in refusals.get(student, []) if r.notebook or r.whole]
                if refused:
                    key = meaning = "not graded: the intake refused the notebook"
                    message = refused[0].describe()
            failure = result.failures.setdefault(key, Failure(key, meaning, message))
            failure.students.append(student)
    totals = {s: sum(v.values()) for s, v in scores.items()}
    return AssignmentReport(
        assignment,
        max_score,
        totals,
        scores,
        list(tests.values()),
        not_autograded,
        sorted(needs_manual),
        {s: r for s, r in refusals.items() if s in scores},
        records.refused_inbound(assignment),
    )


# --- plots ---


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def plot_scores(report: AssignmentReport) -> str:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3.2))
    axes = figure.subplots()
    values = list(report.totals.values())
    top = max(report.max_score, max(values, default=0))
    bins = [b - 0.5 for b in range(int(top) + 2)]
    axes.hist(values, bins=bins, color="#4C72B0", edgecolor="white")
    if values:
        axes.axvline(
            statistics.mean(values),
            color="#C44E52",
            linestyle="--",
            label=f"mean {statistics.mean(values):.1f}",
        )
        axes.axvline(
            statistics.median(values),
            color="#55A868",
            linestyle=":",
            label=f"median {statistics.median(values):g}",
        )
        axes.legend(frameon=False)
    axes.set_xlabel(f"score (out of {report.max_score:g})")
    axes.set_ylabel("students")
    axes.set_title(f"{report.assignment}: score distribution ({len(values)} students)")
    return _png(figure)


def plot_pass_rates(report: AssignmentReport) -> str:
    from matplotlib.figure import Figure

    tests = report.tests
    figure = Figure(figsize=(7, 0.45 * len(tests) + 1))
    axes = figure.subplots()
    exercises = list(report.exercises)
    colours = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860"]
    labels = [t.test for t in tests][::-1]
    rates = [100 * t.pass_rate for t in tests][::-1]
    colour = [colours[exercises.index(t.exercise) % len(colours)] for t in tests][::-1]
    axes.barh(labels, rates, color=colour)
    for y, rate in enumerate(rates):
        axes.text(min(rate + 1, 90), y, f"{rate:.0f}%", va="center", fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_xlabel("students who passed (%)")
    axes.set_title("pass rate per test (colour: exercise)")
    return _png(figure)


def plot_misconceptions(report: AssignmentReport, top: int = 8) -> str | None:
    from matplotlib.figure import Figure

    found = report.misconceptions()[:top]
    if not found:
        return None
    figure = Figure(figsize=(7, 0.5 * len(found) + 1))
    axes = figure.subplots()
    labels = [(m if len(m) <= 70 else m[:67] + "...") for m, _, _ in found][::-1]
    axes.barh(labels, [len(s) for _, s, _ in found][::-1], color="#C44E52")
    axes.set_xlabel("students")
    axes.set_title("what went wrong most often")
    axes.tick_params(axis="y", labelsize=8)
    return _png(figure)


# --- writing ---

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; width: 100%; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; white-space: nowrap; }
pre { white-space: pre-wrap; margin: 0; font-size: 0.85em; }
.low { color: #b00; font-weight: bold; }
.box { background: #fff8e5; border: 1px solid #f0d890; padding: 0.6em 1em; margin: 1em 0; }
img { max-width: 100%; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _percent(rate: float) -> str:
    return f"{100 * rate:.0f}%"


def write_csv(report: AssignmentReport, folder: Path) -> list[Path]:
    tests = [t.test for t in report.tests]
    scores = folder / "scores.csv"
    with scores.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["student", *tests, "total", "max_score"])
        for student in sorted(report.scores):
            row = [report.scores[student].get(t, "") for t in tests]
            writer.writerow([student, *row, f"{report.totals[student]:g}", f"{report.max_score:g}"])
    per_test = folder / "tests.csv"
    with per_test.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "exercise",
                "test",
                "points",
                "passed",
                "failed",
                "pass_rate",
                "most_common_failure",
                "students_with_it",
            ]
        )
        for t in report.tests:
            common = t.common_failures()
            writer.writerow(
                [
                    t.exercise,
                    t.test,
                    f"{t.points:g}",
                    len(t.passed),
                    len(t.failed),
                    f"{t.pass_rate:.3f}",
                    common[0].meaning if common else "",
                    len(common[0].students) if common else 0,
                ]
            )
    failures = folder / "failures.csv"
    with failures.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["test", "meaning", "students", "example_message", "student_ids"])
        for t in report.tests:
            for failure in t.common_failures():
                writer.writerow(
                    [
                        t.test,
                        failure.meaning,
                        len(failure.students),
                        failure.example,
                        " ".join(failure.students),
                    ]
                )
    refused = folder / "refusals.csv"
    with refused.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "path", "reason", "notebook", "what_it_cost"])
        for student, refusals in sorted(report.refusals.items()):
            for r in refusals:
                cost = (
                    "every notebook scores 0"
                    if r.whole
                    else ("scores 0" if r.notebook else "left out")
                )
                writer.writerow([student, r.path, r.reason, "yes" if r.notebook else "", cost])
        for entry in report.refused_inbound:
            writer.writerow(
                ["", f"inbound/{entry['inbound']}", entry["reason"], "", "not collected"]
            )
    return [scores, per_test, failures, refused]


def _refusals_html(report: AssignmentReport) -> list[str]:
    """What the intake refused: file names and reasons come from students, so all escaped."""
    if not (report.refusals or report.refused_inbound):
        return []
    count = sum(len(r) for r in report.refusals.values())
    parts = [
        "<h2>Refused at intake</h2>",
        f"<p class='box'>{count} file(s) of {len(report.refusals)} submission(s) were not taken "
        "for grading: only regular files the assignment declares are (its notebooks, "
        "timestamp.txt, submission_secret.txt and <code>c.Intake.extra_files</code>). A refused "
        "notebook scores 0, as a missing one does. Table as CSV: "
        "<a href='refusals.csv'>refusals.csv</a>.</p>",
        "<table><tr><th>student</th><th>score</th><th>file</th><th>why</th></tr>",
    ]
    for student, refusals in sorted(report.refusals.items()):
        total = report.totals.get(student)
        score = f"{total:g}/{report.max_score:g}" if total is not None else ""
        for r in refusals:
            path = "(the whole submission)" if r.whole else r.path
            cls = " class='low'" if r.notebook or r.whole else ""
            parts.append(
                f"<tr><td>{_e(student)}</td><td class='num'>{_e(score)}</td>"
                f"<td{cls}><code>{_e(path)}</code></td><td>{_e(r.reason)}</td></tr>"
            )
    for entry in report.refused_inbound:
        parts.append(
            f"<tr><td>—</td><td></td><td><code>inbound/{_e(entry['inbound'])}</code></td>"
            f"<td>{_e(entry['reason'])} (not collected)</td></tr>"
        )
    parts.append("</table>")
    return parts


def render_html(report: AssignmentReport) -> str:
    totals = list(report.totals.values())
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{_e(report.assignment)}: grade report</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(report.assignment)}: grade report</h1>",
    ]
    if totals:
        full = sum(v >= report.max_score for v in totals)
        parts.append(
            f"<p>{len(totals)} students graded; mean {statistics.mean(totals):.2f}, median "
            f"{statistics.median(totals):g} of {report.max_score:g} points; {full} with full "
            f"marks, {sum(v == 0 for v in totals)} with none. Tables as CSV: "
            "<a href='scores.csv'>scores.csv</a>, <a href='tests.csv'>tests.csv</a>, "
            "<a href='failures.csv'>failures.csv</a>.</p>"
        )
    if report.not_autograded:
        parts.append(
            f"<p class='box'>Not autograded (no autograded notebook): "
            f"{_e(', '.join(report.not_autograded))}</p>"
        )
    if report.needs_manual_grade:
        parts.append(
            f"<p class='box'>Need a manual grade: {_e(', '.join(report.needs_manual_grade))}</p>"
        )
    parts += _refusals_html(report)
    misconceptions = report.misconceptions()
    if misconceptions:
        meaning, students, tests = misconceptions[0]
        parts.append(
            f"<div class='box'><b>What hit the class hardest:</b> {_e(meaning)} — "
            f"{len(students)} of {len(totals)} students ({_e(', '.join(tests))}).</div>"
        )
    parts.append("<h2>Score distribution</h2>")
    parts.append(
        f"<img alt='score distribution' src='data:image/png;base64,{plot_scores(report)}'>"
    )
    parts.append(
        "<h2>Exercises</h2><table><tr><th>exercise</th><th>tests</th><th>points</th>"
        "<th>students who passed every test</th></tr>"
    )
    for exercise, tests in report.exercises.items():
        rate = report.exercise_pass_rate(exercise)
        cls = " low" if rate < 0.5 else ""
        parts.append(
            f"<tr><td>{_e(exercise)}</td><td class='num'>{len(tests)}</td><td class='num'>"
            f"{sum(t.points for t in tests):g}</td><td class='num{cls}'>{_percent(rate)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(f"<img alt='pass rates' src='data:image/png;base64,{plot_pass_rates(report)}'>")
    picture = plot_misconceptions(report)
    if picture:
        parts.append(
            "<h2>Misconceptions</h2><p>Each failed test explains what it saw in a "
            "<i>What it means</i> line; these are the ones most students got.</p>"
        )
        parts.append(f"<img alt='misconceptions' src='data:image/png;base64,{picture}'>")
        parts.append("<table><tr><th>what it means</th><th>students</th><th>tests</th></tr>")
        for meaning, students, tests in misconceptions:
            parts.append(
                f"<tr><td>{_e(meaning)}</td><td class='num'>{len(students)}</td>"
                f"<td>{_e(', '.join(tests))}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Tests and their most common failures</h2>")
    parts.append(
        "<table><tr><th>test</th><th>points</th><th>pass rate</th>"
        "<th>most common failures (students: message)</th></tr>"
    )
    for test in report.tests:
        common = test.common_failures()[:3]
        cls = " low" if test.pass_rate < 0.5 else ""
        failures = "".join(
            f"<p><b>{len(f.students)}</b>: {_e(f.meaning)}<br><pre>{_e(f.example)}</pre>"
            f"<small>{_e(', '.join(f.students))}</small></p>"
            for f in common
        )
        parts.append(
            f"<tr><td>{_e(test.test)}<br><small>{_e(test.exercise)}</small></td>"
            f"<td class='num'>{test.points:g}</td><td class='num{cls}'>"
            f"{_percent(test.pass_rate)} ({len(test.passed)}/{len(test.passed) + len(test.failed)})"
            f"</td><td>{failures or '—'}</td></tr>"
        )
    parts.append("</table>")
    tests = [t.test for t in report.tests]
    parts.append(
        "<h2>Students</h2><table><tr><th>student</th><th>total</th>"
        + "".join(f"<th><small>{_e(t)}</small></th>" for t in tests)
        + "</tr>"
    )
    for student in sorted(report.scores, key=lambda s: (report.totals[s], s)):
        cells = "".join(
            f"<td class='num'>{_e(format(report.scores[student].get(t, ''), 'g') if t in report.scores[student] else '')}</td>"  # noqa: E501
            for t in tests
        )
        parts.append(
            f"<tr><td>{_e(student)}</td><td class='num'>{report.totals[student]:g}</td>{cells}</tr>"
        )
    parts.append("</table></body></html>")
    return "\n".join(parts)


def write_report(report: AssignmentReport, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(report, folder)
    page = folder / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    return page


def write_index(reports: list[tuple[AssignmentReport, Path]], folder: Path) -> Path:
    rows = "".join(
        f"<tr><td><a href='{_e(page.relative_to(folder))}'>{_e(r.assignment)}</a></td>"
        f"<td class='num'>{len(r.totals)}</td><td class='num'>"
        f"{(statistics.mean(r.totals.values()) if r.totals else 0):.2f} / {r.max_score:g}</td>"
        f"<td>{_e(r.misconceptions()[0][0] if r.misconceptions() else '—')}</td></tr>"
        for r, page in reports
    )
    page = folder / "index.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grade reports</title>"
        f"<style>{CSS}</style></head><body><h1>Grade reports</h1><table><tr><th>assignment</th>"
        f"<th>students</th><th>mean score</th><th>what hit the class hardest</th></tr>{rows}"
        "</table></body></html>",
        encoding="utf-8",
    )
    return page


def main(argv: list[str]) -> int:
    import argparse

    from autograder.instructor.parallel import make_app, nbgrader_arguments

    parser = argparse.ArgumentParser(
        prog="python -m autograder report",
        description="Grade report (HTML with plots, CSV) of an autograded assignment, or of all. "
        "Options of the form --Class.trait=value are passed to nbgrader's configuration.",
    )
    parser.add_argument("assignment", help="an assignment id, or 'all'")
    parser.add_argument("--course-root", type=Path, default=None)
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="folder for the reports (default: <course root>/reports)",
    )
    args, options = parser.parse_known_args(argv)
    app = make_app(nbgrader_arguments(args.course_root, options))
    root, db_url = Path(app.coursedir.root), app.coursedir.db_url
    output = args.output or root / "reports"
    if args.assignment == "all":
        from nbgrader.api import Gradebook

        with Gradebook(db_url) as gradebook:
            assignments = sorted(a.name for a in gradebook.assignments)
    else:
        assignments = [args.assignment]
    written = []
    for assignment in assignments:
        from autograder.instructor.intake import Records

        report = collect(root, db_url, assignment, Records.of(app.coursedir))
        page = write_report(report, output / assignment)
        written.append((report, page))
        totals = list(report.totals.values())
        mean = f"{statistics.mean(totals):.2f}" if totals else "-"
        print(f"{assignment}: {len(totals)} students, mean {mean} of {report.max_score:g}: {page}")
    if len(written) > 1:
        print(f"index: {write_index(written, output)}")
    return 0
