"""Practice questions for every lesson: banks of data, keys proven by code, feedback in a notebook.

In a lesson: ``from autograder.runtime.practice import show_practice``, then
``show_practice("01_why_async")``.
"""

from autograder.runtime.practice.render import check, show_practice, solution

__all__ = ["check", "show_practice", "solution"]
