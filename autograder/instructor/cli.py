"""Instructor commands: ``python -m autograder release|demo|grade|report|practice``."""

import argparse
import sys

COMMANDS = {
    "release": "regenerate release/ from source/ with nbgrader",
    "demo": "autograde the example class in parallel, print the grade table and the report",
    "grade": "autograde every submission of an assignment, several at a time "
    "(python -m autograder grade ASSIGNMENT --jobs N [--course-root DIR])",
    "report": "grade report (HTML, CSV, plots) of an assignment or all "
    "(python -m autograder report ASSIGNMENT|all [--course-root DIR])",
    "sync-tests": "rewrite the test cells of source/ notebooks from the judge's registry "
    "(python -m autograder sync-tests [ASSIGNMENT ...])",
    "practice": "the practice banks: verify their keys by running their code, or build "
    "source/practice and source/challenge from them (python -m autograder practice verify|build)",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        commands.add_parser(name, help=help_text, add_help=False)
    args, rest = parser.parse_known_args(argv[:1])
    rest = argv[1:]
    if args.command == "release":
        from autograder.instructor import release

        release.main()
        return 0
    if args.command == "grade":
        from autograder.instructor import parallel

        return parallel.main(rest)
    if args.command == "report":
        from autograder.instructor import report

        return report.main(rest)
    if args.command == "sync-tests":
        from autograder.instructor.authoring import test_cells

        return test_cells.main(rest)
    if args.command == "practice":
        from autograder.instructor import practice_cli

        return practice_cli.main(rest)
    from autograder.instructor import demo

    return demo.main(rest)


if __name__ == "__main__":
    sys.exit(main())
