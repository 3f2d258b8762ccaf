"""Practice banks from the command line.

python -m autograder practice verify [bank ...]   run the banks' code, check the keys
python -m autograder practice build               regenerate source/practice/, source/challenge/
"""

from __future__ import annotations

import sys
import time

from autograder.instructor.authoring.verify_practice import verify_bank
from autograder.runtime.bootstrap import setup_notebook
from autograder.runtime.practice.bank import bank_names, load_bank


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
        bank = load_challenge() if name == "challenge" else load_bank(name)
        started = time.perf_counter()
        verdicts = verify_bank(bank)
        bad = [v for v in verdicts if not v.proven]
        failed += len(bad)
        print(f"{name}: {len(bank.questions)} questions, {len(verdicts)} keys proven by running "
              f"code, {len(bad)} wrong ({time.perf_counter() - started:.1f} s)")  # fmt: skip
        for verdict in bad:
            print(f"  ✘ {verdict.explain()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
