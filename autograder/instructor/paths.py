"""Where the course's folders are, and how to run nbgrader on them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "source"
RELEASE = REPO / "release"


def assignment_ids(source: Path = SOURCE) -> list[str]:
    """Every assignment: a folder of source/ holding a notebook of the same name."""
    return sorted(
        folder.name
        for folder in source.iterdir()
        if folder.is_dir() and (folder / f"{folder.name}.ipynb").exists()
    )


def nbgrader(*args: str, course_root: Path, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run an nbgrader command with the repository's configuration on ``course_root``.

    nbgrader reads nbgrader_config.py from its working folder, so it runs from the repository;
    the course root and its gradebook are given on the command line, which wins over the file.
    """
    command = [
        sys.executable, "-m", "nbgrader", *args,
        f"--CourseDirectory.root={course_root}",
        f"--CourseDirectory.db_url=sqlite:///{course_root / 'gradebook.db'}",
    ]  # fmt: skip
    # nbgrader runs `alembic` by name when it creates a gradebook: put this environment's
    # scripts first on PATH, so it works without an activated virtual environment.
    scripts = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[2:4])} failed ({result.returncode}):\n{result.stdout}\n"
            f"{result.stderr}"
        )
    return result
