"""The code base is ruff-clean (lint and format), notebooks and catalogue included."""

import subprocess
import sys

from autograder.instructor.paths import REPO


def _ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "."], cwd=REPO, capture_output=True, text=True
    )


def test_ruff_check():
    result = _ruff("check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = _ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
