"""The judge: the checks that decide grades, the data they draw, and what they observe with.

Runs in: the grader's process (authoritative: nbgrader's autograde, through
``autograder.instructor.nbgrader.sandboxed_execute``), and in a student's kernel as Validate's
preview (``autograder.judge.preview``). A grading kernel can never import it: the sandbox hides
this package from it.
Imports: ``autograder.runtime`` (the shared simulators and the view server's protocol), never
``autograder.instructor``.
"""
