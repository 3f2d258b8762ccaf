"""``python -m autograder hub grade ASSIGNMENT``: autograde a hub class as root, fully sandboxed.

The grading sandbox gives each kernel a user id and namespaces of its own only when the grader
runs as root (README, "Grading sandbox"); the formgrader's server runs as the grader account, so
an autograde started there gets the partial sandbox. Run as root, this command grades the
course folder of the running hub with ``python -m autograder grade`` (this repository's
nbgrader_config.py, not a file the grader account could edit), then gives the files it wrote back
to the grader account, so formgrader can show and regrade them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path

from autograder.instructor.hub.launch import default_dir


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder hub grade", description=__doc__)
    parser.add_argument("assignment")
    parser.add_argument("--dir", type=Path, default=None, help="the hub's folder")
    args, options = parser.parse_known_args(argv)
    class_file = (args.dir or default_dir()) / "class.json"
    if not class_file.exists():
        raise SystemExit(f"No hub class at {class_file.parent} (is `make hub` running?)")
    klass = json.loads(class_file.read_text())
    from autograder.instructor import parallel

    code = parallel.main([args.assignment, "--course-root", klass["course_root"], *options])
    if klass["mode"] == "real-users" and os.geteuid() == 0:
        grader = klass["grader"]["name"]
        subprocess.run(["chown", "-R", f"{grader}:{grader}", klass["course_root"]], check=True)
    return code
