"""The student's kernel: what a notebook imports while a student works, and while it is graded.

Runs in: the student's JupyterLab kernel, and the sandboxed kernel of a submission being graded
(where everything here is untrusted: the submission can change any of it in memory).
Imports: the standard library, Django, httpx, IPython and widgets; never ``autograder.judge`` or
``autograder.instructor`` (tests/test_layering.py checks it).
"""
