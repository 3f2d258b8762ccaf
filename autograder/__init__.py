"""Async Django, Hands-On: the course's code, in three wings that say where they run.

* ``autograder.runtime``: the student's kernel (bootstrap, the view server, the simulated
  services, try_view, practice and challenge widgets);
* ``autograder.judge``: the checks that decide grades, run from the grader's process (and as
  Validate's preview in a student's kernel);
* ``autograder.instructor``: the instructor's tools and the command line (``python -m
  autograder``).

Imports go one way: runtime <- judge <- instructor (tests/test_layering.py). This package
imports nothing itself, so importing any wing costs only that wing.
"""
