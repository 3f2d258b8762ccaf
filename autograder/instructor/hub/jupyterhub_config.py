"""JupyterHub's configuration file for a class: ``jupyterhub -f`` this file.

Everything is decided by :func:`autograder.instructor.hub.config.configure` from the class file
named by ``AUTOGRADER_HUB_CLASS`` (written by ``python -m autograder hub``). Imported as a module
(a tool that imports every module of the package), it does nothing.
"""

import os

if "get_config" in globals():  # given by JupyterHub when it loads this file
    from autograder.instructor.hub.config import configure

    configure(get_config(), os.environ["AUTOGRADER_HUB_CLASS"])  # noqa: F821
