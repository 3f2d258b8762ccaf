"""The instructor's tools: release, grading (sandbox, nbgrader plug-ins), the report, the example
class, the notebook generators and the course's command line (``python -m autograder``).

Runs in: the instructor's (or the grader's) own processes, trusted.
Imports: anything, ``autograder.runtime`` and ``autograder.judge`` included.
"""
