"""How much faster is ``python -m autograder grade`` than plain ``nbgrader autograde``? One run.

    .venv/bin/python -m tests.benchmarks.grading_speed --students 40 --jobs 2,4,6 --cpus 1,2

Builds the example class of an assignment (without the two notebooks that run into the cell time
limit: they would measure the limit, not the grader), copies the course once per configuration,
and grades each copy:

* ``stock``: ``nbgrader autograde`` with nbgrader's own Execute (a new kernel process per
  submission) — what an instructor gets without this repository's configuration;
* ``sequential``: ``nbgrader autograde`` with this repository's nbgrader_config.py (sandboxed
  kernels forked warm by the zygote), one submission after another;
* ``grade --jobs J``: this repository's parallel grading, for each J given, and (``--cpus``)
  restricted with ``taskset`` to the first N CPUs, to show how it scales with cores.

Prints wall time, seconds per submission, the CPU time used (grader, kernels and all), how many
submissions did not get the grades the example class expects (stock nbgrader cannot grade the
notebook that kills its kernel, so it has one), the load average, and the speed-up against
``stock``. Not part of `make test`: record the result in the
issue note. Run it on an otherwise idle machine; other load changes the numbers, not the method.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.instructor import example_class, grading
from autograder.instructor.paths import REPO

# nbgrader's defaults for autograding, with only the repository's tag stripping kept (so that
# "stock" differs from the repository's configuration by the kernel and its sandbox alone).
STOCK_CONFIG = """\
from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds,
    OverwriteCells, OverwriteKernelspec)
from autograder.instructor.nbgrader.strip_cell_tags import StripCellTags

c = get_config()
c.CourseDirectory.course_id = "async-django-hands-on"
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec,
    OverwriteCells, StripCellTags, CheckCellMetadata]
"""


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _environment() -> dict[str, str]:
    scripts = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}


def timed(command: list[str], cwd: Path) -> tuple[float, float, int]:
    cpu, started = _cpu_of_children(), time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=_environment(), capture_output=True, text=True)
    return time.perf_counter() - started, _cpu_of_children() - cpu, result.returncode


def _taskset(cpus: int | None) -> list[str]:
    if not cpus:
        return []
    if shutil.which("taskset") is None:
        raise SystemExit("--cpus needs taskset (util-linux)")
    return ["taskset", "-c", ",".join(str(c) for c in range(cpus))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="ps1_async_views")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", default="2,4,6", help="comma-separated worker counts")
    parser.add_argument("--cpus", default="", help="comma-separated CPU counts (taskset)")
    parser.add_argument("--skip-stock", action="store_true")
    parser.add_argument("--skip-sequential", action="store_true")
    args = parser.parse_args(argv)
    jobs = [int(j) for j in args.jobs.split(",") if j]
    cpus = [int(c) for c in args.cpus.split(",") if c] or [None]
    scratch = Path(tempfile.mkdtemp(prefix="grading-speed-"))
    try:
        template = scratch / "template"
        grading.new_course(template, [args.assignment])
        made = example_class.submit_example_class(
            template, args.assignment, size=args.students, hangs=False, vandals=False
        )
        count = len(made)
        print(
            f"{count} submissions of {args.assignment}; {os.cpu_count()} CPUs; load average "
            f"{os.getloadavg()[0]:.2f} at the start"
        )
        rows = []

        def measure(name: str, command_for, cwd: Path, cpu_count=None):
            course = scratch / name.replace(" ", "_").replace("=", "")
            shutil.copytree(template, course)
            wall, cpu, code = timed(_taskset(cpu_count) + command_for(course), cwd)
            # Speed is worth nothing if a busy machine changes grades: count the wrong ones.
            wrong = grading.wrong_grades(grading.scores(course, args.assignment), made)
            rows.append((name, wall, cpu, code))
            print(
                f"  {name:<28} {wall:7.1f} s  {wall / count:5.2f} s/submission  "
                f"CPU {cpu:6.1f} s  exit {code}  {len(wrong)} unexpected grades  "
                f"(load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
            for problem in wrong:
                print(f"      {problem}")

        def nbgrader(course: Path) -> list[str]:
            return [
                sys.executable,
                "-m",
                "nbgrader",
                "autograde",
                args.assignment,
                "--force",
                f"--CourseDirectory.root={course}",
                f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}",
            ]

        if not args.skip_stock:
            stock_folder = scratch / "stock-config"
            stock_folder.mkdir()
            (stock_folder / "nbgrader_config.py").write_text(STOCK_CONFIG)
            measure("stock nbgrader autograde", nbgrader, stock_folder)
        if not args.skip_sequential:
            measure("nbgrader autograde (repo)", nbgrader, REPO)
        for cpu_count in cpus:
            for j in jobs:
                label = f"grade --jobs {j}" + (f" on {cpu_count} CPU" if cpu_count else "")

                def grade(course: Path, j=j) -> list[str]:
                    return [
                        sys.executable,
                        "-m",
                        "autograder",
                        "grade",
                        args.assignment,
                        "--jobs",
                        str(j),
                        "--course-root",
                        str(course),
                        "--no-progress",
                    ]

                measure(label, grade, REPO, cpu_count)
        baseline = rows[0][1]
        print(f"\nspeed-up against {rows[0][0]} ({baseline:.1f} s):")
        for name, wall, cpu, _code in rows:
            print(
                f"  {name:<28} {baseline / wall:5.2f}x   (CPU per submission {cpu / count:.2f} s)"
            )
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
