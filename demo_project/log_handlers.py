"""Logging handlers for demo_project (see LOGGING in settings.py)."""

import logging
import sys


class StdoutHandler(logging.StreamHandler):
    """A StreamHandler that writes to whatever ``sys.stdout`` is when a record is emitted.

    Jupyter and pytest swap ``sys.stdout`` after settings are loaded; a plain
    ``StreamHandler(sys.stdout)`` would keep writing to the stream it saw first.
    """

    def __init__(self) -> None:
        super().__init__(stream=None)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _ignored) -> None:
        # StreamHandler.__init__ and setStream() assign a stream; this handler always follows
        # sys.stdout instead.
        pass
