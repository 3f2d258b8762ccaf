"""Practice banks from the command line.

python -m autograder practice verify [bank ...]   run the banks' code, check the keys, and list
                                                  the conceptual questions with their reasons
python -m autograder practice build               regenerate source/practice/, source/challenge/
"""

from __future__ import annotations

import sys
import time

from autograder.instructor.authoring.verify_practice import report
from autograder.runtime.bootstrap import setup_notebook
from autograder.runtime.practice.bank import BankError, bank_names, load_bank


def main(argv: list[str]) -> int:
    if argv == ["build"]:
        from autograder.instructor.authoring.challenge_notebook import write as write_challenge
        from autograder.instructor.authoring.practice_notebook import write as write_practice

        write_practice()
        write_challenge()
        return 0
    if not argv or argv[0] != "verify":
        print(__doc__)
        return 2
    from autograder.runtime.challenge import load_challenge

    setup_notebook(quiet=True)
    names = argv[1:] or [*bank_names(), "challenge"]
    failed = 0
    for name in names:
        try:
            bank = load_challenge() if name == "challenge" else load_bank(name)
        except BankError as error:  # fewer than four options, a mistake without text, ...
            print(f"{name}: ✘ {error}")
            failed += 1
            continue
        started = time.perf_counter()
        lines, wrong = report(bank)
        failed += wrong
        lines[0] += f" ({time.perf_counter() - started:.1f} s)"
        print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
