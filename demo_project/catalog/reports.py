"""CPU-bound work for the lessons: a report that only computes and never waits.

``count_primes`` lives in a module, not in a notebook cell, so that worker *processes* can run
it: a process pool sends a function to its workers by name (module and function), and a
function defined in a notebook has no module another process could import it from.
"""


def count_primes(below: int) -> int:
    """How many primes are below ``below``, found the slow way: pure CPU work, no waiting."""
    return sum(all(n % d for d in range(2, int(n**0.5) + 1)) for n in range(2, below))
