"""The checks of each assignment, one module each (see autograder.judge.registry)."""
