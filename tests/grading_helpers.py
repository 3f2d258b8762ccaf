"""Helpers for the tests of parallel grading, the report and hostile submissions."""

from __future__ import annotations

import fcntl
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.instructor.paths import REPO

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TEMPORARY_PATH = re.compile(r"/tmp/[^\s'\"`]*")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def grade_cli(assignment: str, course_root: Path, *options: str, jobs: int = 3, timeout=900):
    """``python -m autograder grade`` as an instructor runs it (a process of its own)."""
    scripts = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            assignment,
            "--jobs",
            str(jobs),
            "--course-root",
            str(course_root),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )


def _text(value) -> str:
    text = "".join(value) if isinstance(value, list) else str(value)
    return NUMBER.sub("N", TEMPORARY_PATH.sub("<tmp>", ANSI.sub("", text)))


def normalized_notebook(path: Path, outcomes_only: bool = False) -> list:
    """A notebook as comparable data: cells, nbgrader metadata and outputs, with timings, numbers
    and temporary paths (the kernel's private folder) taken out.

    Streams are compared as the lines each one printed: how the kernel cut them into messages,
    and how a write to file descriptor 2 interleaves with one to ``sys.stderr``, depend on timing
    (two runs of plain nbgrader differ in the same way).

    ``outcomes_only``: a test cell's outputs are only the names of the errors it raised (what
    failed), not their messages.
    """
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        streams: dict[str, list[str]] = {}
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                streams.setdefault(output.name, []).append(_text(output.text))
                continue
            kept = {"output_type": output.output_type}
            for key in ("ename", "evalue", "traceback"):
                if key in output:
                    kept[key] = _text(output[key])
            if "data" in output:
                kept["data"] = {k: _text(v) for k, v in output.data.items()}
            outputs.append(kept)
        lines = {name: sorted("".join(parts).splitlines()) for name, parts in streams.items()}
        nbgrader = dict(cell.metadata.get("nbgrader", {}))
        if outcomes_only and nbgrader.get("grade") and not nbgrader.get("solution"):
            lines, outputs = {}, [o.get("ename") for o in outputs if "ename" in o]
        cells.append((cell.cell_type, cell.source, nbgrader, lines, outputs))
    return cells


def gradebook_dump(db_url: str, assignment: str) -> dict:
    """What autograding wrote, by natural keys (row ids are random UUIDs in any run)."""
    with Gradebook(db_url) as gradebook:
        dump = {"students": sorted(s.id for s in gradebook.students), "submissions": {}}
        for submission in gradebook.assignment_submissions(assignment):
            dump["submissions"][submission.student_id] = {
                "timestamp": submission.timestamp,
                "extension": submission.extension,
                "notebooks": {
                    notebook.name: {
                        "late_submission_penalty": notebook.late_submission_penalty,
                        "flagged": notebook.flagged,
                        "grades": {
                            g.name: (
                                g.auto_score,
                                g.manual_score,
                                g.extra_credit,
                                g.needs_manual_grade,
                            )
                            for g in notebook.grades
                        },
                        "comments": {
                            c.name: (c.auto_comment, c.manual_comment) for c in notebook.comments
                        },
                    }
                    for notebook in submission.notebooks
                },
            }
    return dump


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def sandbox_uids_running(uids: set[int] | None = None, base: int = 1_500_000_000) -> list[str]:
    """Processes of sandbox users (all of them, or of the given uids) still running."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
        if (uids is None and uid >= base) or (uids is not None and uid in uids):
            found.append(f"{entry.name} uid={uid}")
    return found


@dataclass
class GradedClass:
    """ps1's example class graded by ``autograder grade --jobs 3`` (see :func:`graded_class`)."""

    pristine: Path  # the course as submitted, before grading (same secret): copy it to regrade
    root: Path  # the course, graded, with feedback
    made: list  # the example submissions, each with its expected grades
    cli: subprocess.CompletedProcess
    seconds: float  # how long the grading command took


def graded_class(shared: Path, assignment: str) -> GradedClass:
    """The example class, built and graded once per test run for every worker that asks.

    ``shared`` is a folder all pytest-xdist workers see: the first to ask builds the class
    under a lock; the others wait for it and read the same result. Tests read it, never change
    it (a test that regrades copies ``pristine``)."""
    from autograder.instructor import example_class, grading
    from autograder.judge.data import course_secret

    folder = shared / f"graded-{assignment}"
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / "graded.pickle"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            pristine, root = folder / "pristine", folder / "course"
            shutil.rmtree(pristine, ignore_errors=True)
            shutil.rmtree(root, ignore_errors=True)
            grading.new_course(pristine, [assignment])
            made = example_class.submit_example_class(
                pristine, assignment, size=16, hangs=False, vandals=False
            )
            # One course secret for every copy: the judge draws the same data each time.
            course_secret(pristine / ".autograder" / "secret")
            shutil.copytree(pristine, root)
            started = time.perf_counter()
            result = grade_cli(assignment, root, jobs=3)
            seconds = time.perf_counter() - started
            grading.nbgrader("generate_feedback", assignment, "--force", course_root=root)
            made = [replace(s, edit=None) for s in made]  # (its notebook is written: no code)
            done.write_bytes(pickle.dumps(GradedClass(pristine, root, made, result, seconds)))
    return pickle.loads(done.read_bytes())
