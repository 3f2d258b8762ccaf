"""``python -m autograder ...``: the instructors' command line (autograder.instructor.cli)."""

import sys

from autograder.instructor.cli import main

if __name__ == "__main__":
    sys.exit(main())
