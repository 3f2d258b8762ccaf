"""The practice services: what the notebooks' "try it" cells talk to, on a calm day.

Public, fixed data (the graders draw their own per submission, out of the kernel's reach): the
user service of ps1, the three services and four mirrors of ps2, the city summaries and book
prices of ps4, the shop of the challenge. They run in this process, on their own thread, started
on first use.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import unquote, urlsplit

from autograder.runtime.simulated.http import Request
from autograder.runtime.simulated.services import CallLog, Failure, Route, ServicesThread

# --- ps1: the user service --------------------------------------------------------------------

USERS = {
    1: {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"},
    2: {"id": 2, "name": "Alan Turing", "email": "alan@example.com"},
    3: {"id": 3, "name": "Grace Hopper", "email": "grace@example.com"},
}
USER_SERVICE = "https://users.example/users/"
USER_DELAY = 0.1


def user_answer(users: dict[int, dict]):
    """A service answering ``/users/<id>`` from ``users``: 200 with the user, or 404."""

    def answer(request: Request) -> tuple[int, object]:
        tail = unquote(request.path.rsplit("/", 1)[-1])
        try:
            user = users.get(int(tail))
        except ValueError:
            user = None
        return (200, dict(user)) if user else (404, {"detail": f"no user {tail}"})

    return answer


# --- ps2: three services and four mirrors ------------------------------------------------------

UPSTREAMS = {
    "weather": "https://weather.example/api/today",
    "news": "https://news.example/api/headlines",
    "stocks": "https://stocks.example/api/quotes",
}
MIRRORS = [
    "https://eu.mirror.example/catalog.json",
    "https://us.mirror.example/catalog.json",
    "https://asia.mirror.example/catalog.json",
    "https://au.mirror.example/catalog.json",
]
WEATHER, NEWS, STOCKS = UPSTREAMS.values()
M_EU, M_US, M_ASIA, M_AU = MIRRORS
BODIES = {
    WEATHER: {"city": "Lisbon", "temperature_c": 19, "sky": "sunny"},
    NEWS: {"headlines": ["Django 6.1 is out", "Tram 28 runs again"]},
    STOCKS: {"ACME": 123.45, "GLOBEX": 42.0},
    **{
        url: {"release": "2026.11", "packages": 1204, "served_by": urlsplit(url).hostname}
        for url in MIRRORS
    },
}
CALM_DELAYS = {WEATHER: 0.2, NEWS: 0.3, STOCKS: 0.25,
               M_EU: 0.45, M_US: 0.15, M_ASIA: 0.6, M_AU: 0.3}  # fmt: skip
MAINTENANCE = {"detail": "down for maintenance"}

# --- ps4: city summaries (a slow upstream worth caching) and book prices (a ticker) ---------------

SUMMARY_URL = "https://summaries.example/cities/{city}"
SUMMARY_SERVICE = "https://summaries.example/cities/"
SUMMARY_DELAY = 0.3
PRICE_URL = "https://prices.example/isbn/{isbn}"
PRICE_SERVICE = "https://prices.example/isbn/"
PRICE_DELAY = 0.05
ISBN = re.compile(r"^[0-9]{13}$")


class SummaryService:
    """``/cities/<city>`` -> 200 with ``summary_for(city)`` plus ``"edition"``: the number of
    this call for that city (1, 2, ...), so that every answer tells which call made it; 404 when
    ``summary_for`` knows no such city (None). The answers are kept in ``served`` (city, body,
    when), in the order they were given."""

    def __init__(self, summary_for: Callable[[str], dict | None], first_edition: int = 1) -> None:
        self.summary_for, self.first_edition = summary_for, first_edition
        self.served: list[tuple[str, dict, float]] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> tuple[int, object]:
        city = unquote(request.path.rsplit("/", 1)[-1])
        summary = self.summary_for(city) if city.strip() else None
        if summary is None:
            return 404, {"detail": f"no city called {city!r}"}
        with self._lock:
            edition = self.first_edition + sum(1 for c, _, _ in self.served if c == city)
            body = {**summary, "edition": edition}
            self.served.append((city, body, time.perf_counter()))
        return 200, body

    def bodies(self, city: str) -> list[dict]:
        with self._lock:
            return [body for c, body, _ in self.served if c == city]


class PriceService:
    """``/isbn/<13 digits>`` -> 200 ``{"isbn": ..., "price": "12.50"}``; every call moves the
    price by ``step(isbn, n)`` cents (a ticker). The prices given are kept in ``served``."""

    def __init__(self, start: Callable[[str], int], step: Callable[[str, int], int]) -> None:
        self.start, self.step = start, step
        self.served: list[tuple[str, str, float]] = []  # (isbn, price, when)
        self._cents: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> tuple[int, object]:
        isbn = unquote(request.path.rsplit("/", 1)[-1])
        if not ISBN.match(isbn):
            return 404, {"detail": f"no book with ISBN {isbn!r}"}
        with self._lock:
            calls = sum(1 for i, _, _ in self.served if i == isbn)
            cents = self._cents.get(isbn, self.start(isbn)) + (
                self.step(isbn, calls) if calls else 0
            )
            self._cents[isbn] = cents = max(cents, 99)
            price = f"{cents // 100}.{cents % 100:02d}"
            self.served.append((isbn, price, time.perf_counter()))
        return 200, {"isbn": isbn, "price": price}

    def prices(self, isbn: str) -> list[str]:
        with self._lock:
            return [price for i, price, _ in self.served if i == isbn]


def _number(text: str, modulo: int) -> int:
    """A stable small number from a text (the practice data are the same in every kernel)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") % modulo


def practice_summary(city: str) -> dict:
    skies = ("sunny", "cloudy", "rain", "fog", "windy")
    return {"city": city, "sky": skies[_number(city, len(skies))],
            "temperature_c": _number(city + "/t", 30) - 2}  # fmt: skip


def practice_prices() -> PriceService:
    return PriceService(start=lambda isbn: 800 + _number(isbn, 3000),
                        step=lambda isbn, n: _number(f"{isbn}/{n}", 41) - 20)  # fmt: skip


# --- the challenge: a shop --------------------------------------------------------------------

SHOP = "https://shop.example/"
SHOP_DELAY = 0.2
PRICES = {"book": 12.5, "pen": 1.2, "lamp": 30.0}
STOCK = {"book": 4, "pen": 120, "lamp": 0}


def shop_answer(table: dict, field: str):
    def answer(request: Request) -> tuple[int, object]:
        item = unquote(request.path.rsplit("/", 1)[-1])
        return 200, {"item": item, field: table.get(item)}

    return answer


def calm_routes() -> dict[str, Route]:
    routes = {url: Route(json=BODIES[url], delay=delay) for url, delay in CALM_DELAYS.items()}
    routes[USER_SERVICE] = Route(answer=user_answer(USERS), delay=USER_DELAY)
    routes[SHOP + "price/"] = Route(answer=shop_answer(PRICES, "price"), delay=SHOP_DELAY)
    routes[SHOP + "stock/"] = Route(answer=shop_answer(STOCK, "stock"), delay=SHOP_DELAY)
    routes[SUMMARY_SERVICE] = Route(answer=SummaryService(practice_summary), delay=SUMMARY_DELAY)
    routes[PRICE_SERVICE] = Route(answer=practice_prices(), delay=PRICE_DELAY)
    return routes


# For "try it" cells: ``with services.scenario("stormy") as calls: ...``.
SCENARIOS = {
    "calm": "every service answers 200 within 0.6 s",
    "stormy": "news answers 503 and stocks takes 3 s (weather is fine)",
    "flaky_mirrors": "the two fastest mirrors fail (503, connection refused)",
    "mirrors_down": "every mirror fails",
}


def scenario_routes(name: str) -> dict[str, Route]:
    if name not in SCENARIOS:
        raise KeyError(f"no scenario {name!r}; try one of {', '.join(SCENARIOS)}")
    changes = {
        "calm": {},
        "stormy": {
            NEWS: Route(json=MAINTENANCE, status=503, delay=0.1),
            STOCKS: Route(json=BODIES[STOCKS], delay=3.0),
        },
        "flaky_mirrors": {
            M_US: Route(json=MAINTENANCE, status=503, delay=0.15),
            M_AU: Route(failure=Failure.REFUSE),
        },
        "mirrors_down": {
            M_EU: Route(json=MAINTENANCE, status=503, delay=0.1),
            M_US: Route(failure=Failure.REFUSE),
            M_ASIA: Route(failure=Failure.RESET, delay=0.3),
            M_AU: Route(json={"detail": "internal error"}, status=500, delay=0.2),
        },
    }[name]
    return {**calm_routes(), **changes}


_practice: ServicesThread | None = None
_lock = threading.Lock()


def practice_services() -> ServicesThread:
    """The calm practice services of this process (started on first use)."""
    global _practice
    with _lock:
        if _practice is None:
            _practice = ServicesThread()
            _practice.install(calm_routes())
        return _practice


@contextlib.contextmanager
def scenario(name: str) -> Iterator[tuple[str, CallLog]]:
    """Services of their own for the block, behaving as scenario ``name``."""
    routes = scenario_routes(name)
    services = ServicesThread()
    try:
        yield str(services.folder), services.install(routes)
    finally:
        services.stop()
