"""Instructor commands: ``python -m autograder release`` and ``python -m autograder demo``."""

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    commands.add_parser("demo", help="autograde the example class and print the grade table")
    args = parser.parse_args(argv)
    if args.command == "release":
        from autograder.course import release

        release.main()
        return 0
    from autograder.course import demo

    return demo.main()


if __name__ == "__main__":
    sys.exit(main())
