"""Are the checks stable on a loaded machine? Run them many times while busy loops hold the CPUs.

    .venv/bin/python -m tests.benchmarks.stability --runs 100 --hogs 2            # the preview
    .venv/bin/python -m tests.benchmarks.stability --runs 100 --hogs 2 --parallel 4   # sooner
    .venv/bin/python -m tests.benchmarks.stability --judge --runs 5 --hogs 2      # the grader

The preview (default): each run executes every assignment's notebook in this process
(tests/catalogue's right answers, taken in turn, so every shape is exercised), as Validate does,
and counts the test cells that did not pass. With ``--wrong`` the wrong answers run too and must
fail every time.

``--judge``: each run grades the whole catalogue as a class (the submissions tests/test_autograde
grades: every right, wrong and hostile answer, each with its submission's own hidden data), with
``autograder grade --jobs N`` in the full sandbox, and compares every score with the catalogue's.
That is what decides grades.

While it runs, ``--hogs`` processes spin on the CPUs. ``--parallel K`` makes K runs at once, each
in its own process: a run mostly waits (on the delays the checks send), so K runs finish about K
times sooner, and each shares the cores with the hogs and the other runs, a heavier load than
the hogs alone. Prints one line per run and a summary; exits non-zero on any wrong verdict. Not
part of `make test` (it takes many minutes): record its result in the issue note.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed

from autograder.instructor import catalogue
from autograder.instructor.notebook_runner import run_notebook
from autograder.instructor.paths import SOURCE, assignment_ids
from autograder.runtime.bootstrap import setup_notebook


def _spin() -> None:
    while True:
        pass


def _one_run(index: int, with_wrong: bool, assignments: list[str]) -> tuple[Counter, list[str]]:
    counts, problems = Counter(), []
    for assignment in assignments:
        nb = catalogue.read_notebook(SOURCE / assignment / f"{assignment}.ipynb")
        loaded = catalogue.load(assignment)
        rights = {a: [v for v in vs if v.right] for a, vs in loaded.items()}
        answers = {a: vs[index % len(vs)] for a, vs in rights.items()}
        outcomes = run_notebook(nb, {a: v.source for a, v in answers.items()})
        for test, outcome in outcomes.items():
            counts["right passed" if outcome.passed else "right FAILED"] += 1
            if not outcome.passed:
                names = sorted(v.name for v in answers.values())
                problems.append(
                    f"{assignment}:{test} with {names}: {outcome.error or outcome.stderr}"
                )
        if not with_wrong:
            continue
        for variants in loaded.values():
            for variant in (v for v in variants if not v.right):
                others = {a: vs[0].source for a, vs in rights.items()}
                tests = (
                    None if variant.fails is None else set(catalogue.tests_of(nb, variant.answer))
                )
                outcomes = run_notebook(nb, {**others, variant.answer: variant.source}, tests)
                for test, outcome in outcomes.items():
                    ok = outcome.passed == variant.expected_pass(test)
                    counts["wrong verdict ok" if ok else "wrong verdict WRONG"] += 1
                    if not ok:
                        problems.append(f"{variant.label}:{test} passed={outcome.passed}")
    return counts, problems


def _one_judged_run(index: int, assignments: list[str], jobs: int) -> tuple[Counter, list[str]]:
    import tempfile
    from pathlib import Path

    from autograder.instructor import grading
    from tests.grading_helpers import grade_cli

    counts, problems = Counter(), []
    with tempfile.TemporaryDirectory(prefix=f"stability-{index}-") as folder:
        for assignment in assignments:
            root = Path(folder) / assignment
            grading.new_course(root, [assignment])
            made = grading.submit_catalogue(root, assignment)
            result = grade_cli(assignment, root, "--no-progress", jobs=jobs, timeout=3600)
            if result.returncode != 0:
                problems.append(f"{assignment}: grading failed: {result.stderr[-2000:]}")
                continue
            graded = grading.scores(root, assignment)
            for submission in made:
                got = graded.get(submission.student, {})
                for test, expected in submission.expected.items():
                    passed = test in got and got[test].passed
                    kind = "right" if expected else "wrong"
                    ok = passed == expected
                    counts[f"{kind} verdict {'ok' if ok else 'WRONG'}"] += 1
                    if not ok:
                        said = grading.judge_said(root, assignment, submission.student, [test])
                        where = f"{assignment}/{submission.student}:{test}"
                        problems.append(f"{where} passed={passed}: {said.get(test, '')[:300]!r}")
    return counts, problems


def _quiet_setup() -> None:
    setup_notebook(quiet=True)


def _run(index: int, args: argparse.Namespace, assignments: list[str]):
    started = time.perf_counter()
    if args.judge:
        counts, problems = _one_judged_run(index, assignments, args.jobs)
    else:
        counts, problems = _one_run(index, args.wrong, assignments)
    return index, counts, problems, time.perf_counter() - started


def _runs(args: argparse.Namespace, assignments: list[str]):
    """Yield each run's result as it ends, ``args.parallel`` runs at a time."""
    if args.parallel <= 1:
        for index in range(args.runs):
            yield _run(index, args, assignments)
        return
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.parallel, mp_context=spawn, initializer=_quiet_setup) as pool:
        futures = [pool.submit(_run, index, args, assignments) for index in range(args.runs)]
        for future in as_completed(futures):
            yield future.result()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--hogs", type=int, default=2, help="CPU-spinning processes")
    parser.add_argument("--wrong", action="store_true", help="also run the wrong answers")
    parser.add_argument(
        "--judge",
        action="store_true",
        help="grade the catalogue as a class through the judge, in the sandbox",
    )
    parser.add_argument("--parallel", type=int, default=1, help="runs at once, one process each")
    parser.add_argument("--jobs", type=int, default=4, help="with --judge: notebooks at a time")
    parser.add_argument(
        "--assignments",
        nargs="+",
        default=None,
        help="only these assignments (default: every one with a catalogue)",
    )
    args = parser.parse_args()
    assignments = args.assignments or [
        a for a in assignment_ids() if (catalogue.CATALOGUE / a).is_dir()
    ]
    setup_notebook(quiet=True)
    hogs = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.hogs)]
    for hog in hogs:
        hog.start()
    total, all_problems, durations = Counter(), [], []
    began = time.perf_counter()
    try:
        for done, (index, counts, problems, duration) in enumerate(_runs(args, assignments), 1):
            durations.append(duration)
            total.update(counts)
            all_problems += problems
            print(f"run {index + 1:3d} ({done:3d}/{args.runs} done): {dict(counts)} "
                  f"in {duration:.1f} s", flush=True)  # fmt: skip
            for problem in problems:
                print(f"    {problem}", flush=True)
    finally:
        for hog in hogs:
            hog.kill()
    mode = f"the judge (--jobs {args.jobs})" if args.judge else "the preview"
    print(f"\n{args.runs} runs of {mode}, {args.parallel} at a time, with {args.hogs} CPU hogs: "
          f"{dict(total)}; run time {min(durations):.1f}-{max(durations):.1f} s, "
          f"{time.perf_counter() - began:.0f} s in all")  # fmt: skip
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main())
