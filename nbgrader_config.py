"""nbgrader configuration for Async Django, Hands-On. Run nbgrader from the repository root."""

from pathlib import Path

from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteCells,
    OverwriteKernelspec,
)

from autograder.nbgrader_ext import StripCellTags

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "async-django-hands-on"
c.CourseDirectory.root = str(Path(__file__).resolve().parent)

# A cell gets this long; then nbgrader interrupts the kernel, records an error in that cell (0
# points) and goes on with the next one. Hidden tests take a few seconds each.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Restore locked cells first, then drop the tags a student may have added (skip-execution).
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    StripCellTags,
    CheckCellMetadata,
]
