"""``python -m autograder grade <assignment> --jobs N``: nbgrader autograde, several at once.

Each worker process starts nbgrader once (``AutogradeApp`` with this repository's
nbgrader_config.py and the command line's ``--Class.trait=value`` options) and then runs the
Autograde converter of ``nbgrader autograde`` (nbgrader's own, grading the clean copy that
:mod:`autograder.instructor.intake` takes of each submission) for one student after another —
exactly what ``nbgrader autograde <assignment> --student <id> --force`` does, and what formgrader
does when it autogrades one submission. So the autograded notebooks, the Grade and Comment rows
and the feedback are nbgrader's, made the same way as by a sequential ``nbgrader autograde``
(tests/test_parallel_grading.py compares the two).

Two things make it fast: start-up is paid once per worker (the nbgrader application, and the
zygote of :mod:`autograder.instructor.sandbox.kernels`, which forks each submission's kernel
warm instead of starting a new interpreter that imports IPython and Django), and while one
submission's kernel waits (the hidden tests mostly sleep: they measure concurrency) the other
workers use the CPU.

The gradebook. nbgrader opens a gradebook session for a few milliseconds at a time (create the
student and submission, read the locked cells, save the scores); the notebook runs with no session
open. With SQLite, nbgrader's default, two processes that each read and then write can deadlock
("database is locked", which SQLite's busy timeout cannot resolve). So every gradebook session of
every worker is serialized by one file lock (:func:`serialize_gradebook_sessions`): the sessions
are short, the notebooks still run in parallel. A student whose grading fails on the database is
graded again from scratch (``--force`` semantics), up to ``DATABASE_RETRIES`` times. PostgreSQL
(``--CourseDirectory.db_url=postgresql+psycopg://...``) needs no lock, but gets the same
treatment, which costs nothing measurable.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import logging
import math
import multiprocessing
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from autograder.instructor.intake_reader import shown
from autograder.instructor.paths import REPO

DATABASE_RETRIES = 3
OTHER_RETRIES = 1
DATABASE_TROUBLE = (
    "database is locked",
    "error accessing the nbgrader database",
    "OperationalError",
)


@dataclass
class StudentResult:
    student: str
    success: bool
    seconds: float
    attempts: int = 1
    log: str = ""
    error: str = ""


@dataclass
class GradingRun:
    assignment: str
    course_root: Path
    db_url: str
    jobs: int
    seconds: float = 0.0
    results: list[StudentResult] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    max_score: float = 0.0
    isolation: str = ""
    worker_logs: Path | None = None
    refusals: dict[str, list] = field(default_factory=dict)  # student -> intake.Refusal

    @property
    def failed(self) -> list[StudentResult]:
        return [r for r in self.results if not r.success]

    def summary(self) -> str:
        graded = len(self.results) - len(self.failed)
        lines = [
            f"{self.assignment}: {graded} of {len(self.results)} submissions autograded in "
            f"{self.seconds:.1f} s with {self.jobs} worker(s)"
            + (
                f" ({self.seconds / len(self.results):.2f} s per submission)"
                if self.results
                else ""
            ),
        ]
        if self.scores:
            values = sorted(self.scores.values())
            lines.append(
                f"scores out of {self.max_score:g}: mean {statistics.mean(values):.2f}, median "
                f"{statistics.median(values):g}, lowest {values[0]:g}, highest {values[-1]:g}; "
                f"{sum(v == self.max_score for v in values)} full marks, "
                f"{sum(v == 0 for v in values)} zero"
            )
        if self.isolation:
            lines.append(f"kernels: {self.isolation}")
        lines += self._refusal_lines()
        for result in self.failed:
            text = (result.log + "\n" + result.error).splitlines()
            causes = [
                line.strip() for line in text if re.match(r"\s*[\w.]+(Error|Exception)\b", line)
            ]
            tail = list(dict.fromkeys(causes))[-3:] or text[-6:]
            lines.append(f"FAILED {result.student} after {result.attempts} attempt(s):")
            lines += [f"    {line}" for line in tail]
        if self.failed and self.worker_logs:
            lines.append(f"worker logs (kernels' own stderr): {self.worker_logs}")
        return "\n".join(lines)

    def _refusal_lines(self, per_student: int = 6) -> list[str]:
        if not self.refusals:
            return []
        count = sum(len(r) for r in self.refusals.values())
        lines = [
            f"intake refused {count} file(s) of {len(self.refusals)} submission(s) "
            "(not graded, not copied):"
        ]
        for student, refusals in sorted(self.refusals.items()):
            score = self.scores.get(student)
            got = f" ({score:g}/{self.max_score:g})" if score is not None else ""
            lines.append(f"  {shown(student)}{got}:")
            lines += [f"    {r.describe()}" for r in refusals[:per_student]]
            if len(refusals) > per_student:
                lines.append(f"    ... and {len(refusals) - per_student} more")
        return lines


# --- the gradebook lock ---


def serialize_gradebook_sessions(lock_path: str) -> None:
    """From now on, every nbgrader Gradebook of this process holds ``lock_path`` while open.

    nbgrader opens each session with ``with Gradebook(...)`` and closes it right after; the lock
    is taken in ``__init__`` (which already queries and may write) and released in ``close()``.
    Reentrant within the process, exclusive across processes (``flock``).
    """
    from nbgrader import api

    if getattr(api.Gradebook, "_autograder_serialized", False):
        return
    lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    depth = 0
    original_init, original_close = api.Gradebook.__init__, api.Gradebook.close

    def acquire() -> None:
        nonlocal depth
        if depth == 0:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
        depth += 1

    def release() -> None:
        nonlocal depth
        depth -= 1
        if depth == 0:
            fcntl.flock(lock_fd, fcntl.LOCK_UN)

    def __init__(self, *args, **kwargs):  # noqa: N807
        acquire()
        try:
            original_init(self, *args, **kwargs)
        except BaseException:
            release()
            raise
        self._autograder_holds_lock = True

    def close(self):
        try:
            original_close(self)
        finally:
            if getattr(self, "_autograder_holds_lock", False):
                self._autograder_holds_lock = False
                release()

    api.Gradebook.__init__ = __init__
    api.Gradebook.close = close
    api.Gradebook._autograder_serialized = True


# --- nbgrader, configured as on the command line ---


@contextlib.contextmanager
def _in_repository():
    """nbgrader reads nbgrader_config.py from the working folder: this repository's."""
    previous = os.getcwd()
    os.chdir(REPO)
    try:
        yield
    finally:
        os.chdir(previous)


def nbgrader_arguments(course_root: Path | None, options: list[str]) -> list[str]:
    """The nbgrader command-line options of a run (as ``paths.nbgrader`` passes them)."""
    arguments = ["--force", "--log-level=INFO", *options]
    if course_root is not None:
        root = Path(course_root).resolve()
        arguments.append(f"--CourseDirectory.root={root}")
        if not any(o.startswith("--CourseDirectory.db_url=") for o in options):
            arguments.append(f"--CourseDirectory.db_url=sqlite:///{root / 'gradebook.db'}")
    return arguments


def make_app(arguments: list[str]):
    """An initialized nbgrader AutogradeApp (config file + command line), not started."""
    from nbgrader.apps import AutogradeApp

    # nbgrader runs `alembic` by name when it creates a gradebook (see paths.nbgrader).
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"
    with _in_repository():
        app = AutogradeApp()
        app.initialize(arguments)
    return app


def submitted_students(app, assignment: str) -> list[str]:
    """Every student to grade: found as the intake's autograde finds them (a refused notebook
    still gets its 0)."""
    from autograder.instructor.intake import submissions

    coursedir = app.coursedir
    students = [student for _, student, _ in submissions(coursedir, "*", assignment)]
    excluded = set(filter(None, (coursedir.student_id_exclude or "").split(",")))
    return sorted(s for s in students if s not in excluded)


# --- the workers ---

_app = None
_assignment = ""


def _init_worker(arguments: list[str], assignment: str, lock_path: str, log_folder: str) -> None:
    global _app, _assignment
    # The kernels' and nbgrader's own stderr go to a log file, not over the progress bar.
    log = os.open(
        os.path.join(log_folder, f"worker-{os.getpid()}.log"),
        os.O_WRONLY | os.O_CREAT | os.O_APPEND,
        0o600,
    )
    os.dup2(log, 2)
    os.close(log)
    serialize_gradebook_sessions(lock_path)
    _app = make_app(arguments)
    _assignment = assignment


def _grade_once(student: str) -> tuple[bool, str, str]:
    from autograder.instructor.intake import IntakeAutograde

    coursedir = _app.coursedir
    coursedir.assignment_id, coursedir.student_id = _assignment, student
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    _app.log.addHandler(handler)
    try:
        with _in_repository():
            IntakeAutograde(coursedir=coursedir, parent=_app).start()
        return True, buffer.getvalue(), ""
    except (Exception, SystemExit):
        return False, buffer.getvalue(), traceback.format_exc()
    finally:
        _app.log.removeHandler(handler)


def _grade_student(student: str) -> StudentResult:
    started = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        success, log, error = _grade_once(student)
        if success:
            break
        database = any(word in log + error for word in DATABASE_TROUBLE)
        if attempts > (DATABASE_RETRIES if database else OTHER_RETRIES):
            break
        time.sleep(0.2 * attempts)
    return StudentResult(student, success, time.perf_counter() - started, attempts, log, error)


# --- the run ---


def _worker_pool(jobs: int, arguments, assignment, lock_path, scratch) -> ProcessPoolExecutor:
    """Workers forked from this process, which has imported nbgrader already (no thread runs
    yet: the progress bar's starts later); spawned instead if a thread is running."""
    import threading

    method = "fork" if threading.active_count() == 1 else "spawn"
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(arguments, assignment, lock_path, str(scratch)),
    )


def _progress(total: int, enabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:  # a student's installation, without the `instructor` extra
        if enabled:
            print("(no progress bar: pip install -e '.[instructor]' adds tqdm)", file=sys.stderr)
        return contextlib.nullcontext(_NoProgress())

    return tqdm(
        total=total,
        unit="submission",
        disable=not enabled,
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
    )


class _NoProgress:
    def update(self, count: int = 1) -> None:
        pass

    def set_postfix(self, **fields) -> None:
        pass


def grade(
    assignment: str,
    jobs: int = 4,
    course_root: Path | None = None,
    options: list[str] | None = None,
    progress: bool = True,
    students: list[str] | None = None,
) -> GradingRun:
    """Autograde every submission of ``assignment`` with ``jobs`` worker processes."""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.instructor.intake import Records
    from autograder.instructor.sandbox.kernels import isolation_report, shared_zygote

    arguments = nbgrader_arguments(course_root, list(options or []))
    app = make_app(arguments)
    root, db_url = Path(app.coursedir.root), app.coursedir.db_url
    run = GradingRun(assignment, root, db_url, max(1, jobs))
    with Gradebook(db_url, app.coursedir.course_id) as gradebook:  # creates it, like nbgrader
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise SystemExit(
                f"{assignment} is not in the gradebook {db_url}: run "
                f"`nbgrader generate_assignment {assignment}` first"
            ) from None
    todo = students if students is not None else submitted_students(app, assignment)
    if not todo:
        return run
    scratch = Path(tempfile.mkdtemp(prefix=f"autograde-{assignment}-"))
    lock_path = str(scratch / "gradebook.lock")
    started = time.perf_counter()
    pending = list(todo)
    with shared_zygote(scratch) as caps:
        isolation = isolation_report(caps)
        run.isolation = (
            f"sandboxed (own user, namespaces; limits {isolation['limits']}); judged from here"
            if isolation["level"] == "full"
            else f"NOT fully sandboxed: {isolation['why']}; judged from here all the same"
        )
        for _pool_attempt in range(3):  # a worker process that crashes takes its pool with it
            if not pending:
                break
            pool = _worker_pool(
                min(run.jobs, len(pending)), arguments, assignment, lock_path, scratch
            )
            futures = {pool.submit(_grade_student, s): s for s in pending}
            try:
                with _progress(len(todo), progress) as bar:
                    bar.update(len(todo) - len(pending))
                    remaining = set(futures)
                    while remaining:
                        done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                        for future in done:
                            try:
                                result = future.result()
                            except BrokenProcessPool:
                                continue
                            run.results.append(result)
                            pending.remove(result.student)
                            bar.update(1)
                            bar.set_postfix(failed=len(run.failed), refresh=False)
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    for student in pending:
        run.results.append(StudentResult(student, False, 0.0, error="a grading worker crashed"))
    run.seconds = time.perf_counter() - started
    run.results.sort(key=lambda r: r.student)
    run.scores, run.max_score = total_scores(db_url, assignment, [r.student for r in run.results])
    found = Records.of(app.coursedir).refusals_by_student(assignment)
    run.refusals = {s: found[s] for s in (r.student for r in run.results) if s in found}
    if run.failed:
        run.worker_logs = scratch
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return run


def total_scores(db_url: str, assignment: str, students: list[str]) -> tuple[dict, float]:
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(db_url) as gradebook:
        max_score = gradebook.find_assignment(assignment).max_score
        for student in students:
            try:
                scores[student] = gradebook.find_submission(assignment, student).score
            except MissingEntry:
                pass
    return scores, max_score


# Workers per CPU. A submission's kernel mostly waits (the hidden tests sleep to measure
# concurrency), so a CPU keeps more than one busy; but the judge's timing verdicts need each
# kernel to get the CPU when it is ready. tests/benchmarks/grading_speed.py, 40 submissions of
# ps1: 2 and 3 per CPU gave every grade the class expects (on 2 CPUs: 117 s and 110 s, against
# 348 s for stock nbgrader); 4 per CPU (4 workers on 1 CPU) gave one wrong verdict, 6 per CPU
# three (two of them wrong answers that passed).
WORKERS_PER_CPU = 2
MOST_WORKERS_PER_CPU = 3


def cpus() -> int:
    """The CPUs this process may use: its affinity, and a container's CPU quota (a pod's
    ``limits.cpu`` shows as the cgroup's quota, not in the affinity, which lists the node's)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2
    quota = _cgroup_cpu_quota()
    return max(1, min(count, math.floor(quota))) if quota else count


def _cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs' worth of the cgroup's quota (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``), or None."""
    for quota_file, period_file in (
        ("cpu.max", None),
        ("cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us"),
    ):
        try:
            fields = (root / quota_file).read_text().split()
            if period_file:
                fields.append((root / period_file).read_text().strip())
            quota, period = fields[0], fields[1]
            if quota not in ("max", "-1") and int(period) > 0:
                return int(quota) / int(period)
        except (OSError, ValueError, IndexError):
            continue
    return None


def default_jobs() -> int:
    return WORKERS_PER_CPU * cpus()


def too_many_jobs(jobs: int) -> str | None:
    """What to tell an instructor who asks for more workers than the verdicts stay right with."""
    if jobs <= MOST_WORKERS_PER_CPU * cpus():
        return None
    return (
        f"warning: --jobs {jobs} is more than {MOST_WORKERS_PER_CPU} workers per CPU "
        f"({cpus()} CPUs here). Kernels that wait for a CPU can change verdicts that depend on "
        f"timing (measured: 4 per CPU gave a right answer a failure, 6 per CPU let wrong ones "
        f"pass). Use --jobs {default_jobs()}, the default."
    )


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m autograder grade",
        description="Autograde every submission of an assignment with nbgrader, in parallel. "
        "Other options of the form --Class.trait=value are passed to nbgrader.",
    )
    parser.add_argument("assignment")
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=default_jobs(),
        help=f"worker processes (default: {WORKERS_PER_CPU} per CPU, here {default_jobs()}; "
        f"more than {MOST_WORKERS_PER_CPU} per CPU can change timing verdicts)",
    )
    parser.add_argument(
        "--course-root",
        type=Path,
        default=None,
        help="the course folder (default: nbgrader_config.py's)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args, options = parser.parse_known_args(argv)
    unknown = [o for o in options if not (o.startswith("--") and "." in o.split("=")[0])]
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if warning := too_many_jobs(args.jobs):
        print(warning, file=sys.stderr)
    run = grade(
        args.assignment, args.jobs, args.course_root, options, progress=not args.no_progress
    )
    print(run.summary())
    return 1 if run.failed else 0
