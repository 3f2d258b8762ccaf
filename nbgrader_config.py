"""nbgrader configuration for Async Django, Hands-On. Run nbgrader from the repository root."""

from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from autograder.instructor import intake
from autograder.instructor.nbgrader.feedback_without_hidden_tests import FeedbackWithoutHiddenTests
from autograder.instructor.nbgrader.restore_missing_cells import RestoreMissingCells
from autograder.instructor.nbgrader.sandboxed_execute import SandboxedExecute
from autograder.instructor.nbgrader.strip_cell_tags import StripCellTags

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# Nothing in a submission folder is taken unless it is a regular file the assignment asks for
# (autograder/instructor/intake.py): autograde and generate_feedback use the intake's converters,
# collect its exchange class; the hooks stop any nbgrader converter that bypasses the intake.
intake.install()
c.Autograde.pre_convert_hook = intake.autograde_guard
c.GenerateFeedback.pre_convert_hook = intake.feedback_guard
c.ExchangeFactory.collect = intake.IntakeCollect

c.CourseDirectory.course_id = "async-django-hands-on"
c.CourseDirectory.root = str(Path(__file__).resolve().parent)
# nbgrader's defaults, plus the timed challenge's state file: an instructor who tries the
# challenge in source/ must not release their timers and attempts to the students.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "challenge_state.json",
]

# A cell gets this long; then nbgrader interrupts the kernel, records an error in that cell (0
# points) and goes on with the next one. Hidden tests take a few seconds each.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Restore locked cells first, then drop the tags a student may have added (skip-execution).
# RestoreMissingCells is nbgrader's OverwriteCells that also puts back a test cell (or a locked
# code cell) the student deleted, where it was, so that it is run and graded.
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    RestoreMissingCells,
    StripCellTags,
    CheckCellMetadata,
]
c.OverwriteCells.add_missing_cells = True

# nbgrader's autograde steps, with Execute replaced by SandboxedExecute: the kernel runs as a
# user of its own in private namespaces (README, "Grading sandbox"), a cell's stored output is
# capped, and a cell that kills the kernel or hangs is failed instead of the whole submission.
c.Autograde.autograde_preprocessors = [
    SandboxedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback shows each failed test's message, but not the code of hidden tests.
c.GenerateFeedback.preprocessors = [
    GetGrades,
    FeedbackWithoutHiddenTests,
    CSSHTMLHeaderPreprocessor,
]
