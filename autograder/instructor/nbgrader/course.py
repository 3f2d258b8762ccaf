"""Where the nbgrader converter running a preprocessor keeps its course (root, folder names)."""

from __future__ import annotations

import os
from pathlib import Path

from autograder.instructor.sandbox.kernels import COURSE_FOLDERS


def coursedir_of(preprocessor):
    converter = getattr(getattr(preprocessor, "parent", None), "parent", None)
    return getattr(converter, "coursedir", None)


def course_root_of(preprocessor) -> Path:
    """The course folder of the nbgrader converter running ``preprocessor`` (else the cwd)."""
    coursedir = coursedir_of(preprocessor)
    # nbgrader runs its converters from the course root, so cwd is the fallback.
    return Path(coursedir.root if coursedir is not None else os.getcwd()).resolve()


def course_folders_of(preprocessor) -> tuple[str, ...]:
    """The names of the course's nbgrader folders (configurable in CourseDirectory)."""
    coursedir = coursedir_of(preprocessor)
    if coursedir is None:
        return COURSE_FOLDERS
    names = ("source", "release", "submitted", "autograded", "feedback")
    return tuple(getattr(coursedir, f"{name}_directory") for name in names)
