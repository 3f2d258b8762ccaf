"""Instructor tooling: releasing assignments and running the example class through nbgrader."""
