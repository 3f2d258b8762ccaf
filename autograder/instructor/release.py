"""Regenerate release/ from source/ with ``nbgrader generate_assignment`` (``make release``).

release/ is only ever written by nbgrader; tests/test_release.py regenerates it into a temporary
folder and fails when the committed copy differs.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from autograder.instructor.paths import RELEASE, SOURCE, assignment_ids, nbgrader


def generate_release(destination: Path, source: Path = SOURCE) -> list[str]:
    """Write the student version of every assignment in ``source`` to ``destination/<id>/``."""
    ids = assignment_ids(source)
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        course = Path(scratch)
        shutil.copytree(source, course / "source")
        for assignment in ids:
            nbgrader("generate_assignment", assignment, "--force", course_root=course)
            target = destination / assignment
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(course / "release" / assignment, target)
    return ids


def main() -> None:
    RELEASE.mkdir(exist_ok=True)
    for assignment in generate_release(RELEASE):
        print(f"release/{assignment}/ regenerated from source/{assignment}/")
    stale = sorted(
        p.name for p in RELEASE.iterdir() if p.is_dir() and p.name not in assignment_ids()
    )
    for name in stale:
        shutil.rmtree(RELEASE / name)
        print(f"release/{name}/ removed: source/{name}/ no longer exists")


if __name__ == "__main__":
    main()
