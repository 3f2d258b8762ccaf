"""The student's kernel: what a notebook imports while a student works, and while it is graded.

Runs in: the student's JupyterLab kernel, and the sandboxed kernel of a submission being graded
(where everything here is untrusted: the submission can change any of it in memory).
Imports: the standard library, Django, httpx, IPython and widgets; never ``autograder.judge`` or
``autograder.instructor`` (tests/test_layering.py checks it).

In a notebook: ``from autograder.runtime import setup_notebook, try_view``.
"""


def __getattr__(name: str):
    # Imported on first use: the first cell imports this package before Django is configured.
    if name == "setup_notebook":
        from autograder.runtime.bootstrap import setup_notebook

        return setup_notebook
    if name == "try_view":
        from autograder.runtime.tryit import try_view

        return try_view
    raise AttributeError(name)
