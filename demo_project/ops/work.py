"""CPU-bound work for the lessons: pure Python, so it holds the GIL the whole time it runs.

It lives in a module of its own, importable without Django, so a process pool can run it: a
worker process started with "spawn" imports this module and nothing else of the project.
"""

MAX_BELOW = 3_000_000


def count_primes(below: int) -> int:
    """How many primes are smaller than ``below``, by trial division: slow on purpose.

    About 0.3 s of CPU for ``below=100_000`` on the course's machines; the time grows a little
    faster than ``below`` does.
    """
    count = 0
    for candidate in range(2, below):
        divisor = 2
        while divisor * divisor <= candidate:
            if candidate % divisor == 0:
                break
            divisor += 1
        else:
            count += 1
    return count
