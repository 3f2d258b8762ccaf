"""JupyterHub's configuration file for a class: ``jupyterhub -f`` this file.

Everything is decided by :func:`autograder.instructor.hub.config.configure` from the class file
named by ``AUTOGRADER_HUB_CLASS`` (written by ``python -m autograder hub``).
"""

import os

from autograder.instructor.hub.config import configure

configure(get_config(), os.environ["AUTOGRADER_HUB_CLASS"])  # noqa: F821 (given by JupyterHub)
