"""Instructor commands: ``autograder release|demo|grade|report|practice|sync-tests|hub|export``.

Installed as the ``autograder`` command; ``python -m autograder`` is the same.
"""

import argparse
import os
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
    "hub": "a JupyterHub for one class: accounts, exchange, formgrader; Ctrl+C removes it all "
    "(python -m autograder hub [--students N] [--port P]; hub grade ASSIGNMENT as root)",
    "export": "grades of the gradebook for an LMS: Canvas's or Moodle's CSV import, or a plain "
    "table (python -m autograder export --to canvas.csv|moodle.csv|grades.csv)",
    "practice": "the practice banks: verify their keys by running their code, or build "
    "source/practice and source/challenge from them (python -m autograder practice verify|build)",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # installed as the `autograder` command ([project.scripts]), or run as `python -m autograder`
    prog = "autograder" if os.path.basename(sys.argv[0]) == "autograder" else "python -m autograder"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
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
    if args.command == "hub" and rest[:1] == ["grade"]:
        from autograder.instructor.hub import grade

        return grade.main(rest[1:])
    if args.command == "hub":
        from autograder.instructor.hub import launch

        return launch.main(rest)
    if args.command == "export":
        from autograder.instructor import export

        return export.main(rest)
    from autograder.instructor import demo

    return demo.main(rest)


if __name__ == "__main__":
    sys.exit(main())
