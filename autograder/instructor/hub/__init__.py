"""A JupyterHub for one class of the course, on one machine: ``make hub``.

* :mod:`.launch` sets the class up (accounts, course folder, exchange, configuration), starts
  JupyterHub with its proxy, prints the URL and the accounts, and on Ctrl+C stops everything it
  started and removes the accounts it made.
* :mod:`.accounts` makes and removes the Unix users (real-users mode, as root).
* :mod:`.config` is the JupyterHub configuration, read from the class file the launcher writes.
* :mod:`.passwords` checks passwords where there are no real users (the fallback mode).
* :mod:`.interpreter` lets the users' servers run this repository's Python where it is installed
  under a private folder (pyenv under /root).
* :mod:`.grade` autogrades a hub class as root, so the grading sandbox is complete.

The configurable-http-proxy is pinned in ``package.json`` / ``package-lock.json`` beside this file
and installed with ``npm ci`` by ``make hub``.
"""

COURSE_ID = "async-django-hands-on"
