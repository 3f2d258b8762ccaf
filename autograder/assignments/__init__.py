"""The checks that the assignments' test cells call, one module per assignment.

Test cells stay a few lines: a docstring, ``from autograder.assignments import ps1`` (imported in
the cell itself, so a student who rebinds a name cannot replace it) and ``await ps1.check_...``.
Every check sets up what it needs (fake upstreams, database rows), runs the student's view under
observation, restores what it changed, prints one line of evidence and returns None — a test cell
whose last value is a number would be read by nbgrader as partial credit.
"""

from autograder import integrity  # noqa: E402

integrity.register_module(__name__)
