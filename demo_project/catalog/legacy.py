"""A stand-in for the catalog's old price service, blocking on purpose.

``legacy_price()`` models a synchronous client of an older system: every call holds the calling
thread for LEGACY_DELAY_SECONDS, however fast the answer could be. Lessons use it to show what
one blocking call does to an event loop, and how ``sync_to_async`` moves it to a thread.
Do not make it async or faster; the lessons and their graders depend on it blocking.

When ``DEMO_PROJECT_LEGACY_PRICES`` names a Unix socket, the prices come from the price service
listening there instead (the course's graders serve one), through a blocking HTTP client: the
calling thread still waits for the whole call.
"""

import os
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from urllib.parse import quote

import httpx

# Graders compute their timing margins from this number.
LEGACY_DELAY_SECONDS = 0.2

# Read-only, and Decimals are immutable, so concurrent calls share nothing they could change.
LEGACY_PRICES: Mapping[str, Decimal] = MappingProxyType(
    {
        # The books in demo_project.catalog.sample
        "9785260181591": Decimal("24.90"),
        "9780830166138": Decimal("18.50"),
        "9781860913907": Decimal("31.00"),
        "9789960308241": Decimal("12.75"),
        "9786281948217": Decimal("27.40"),
        "9789935181909": Decimal("15.99"),
        "9789378657979": Decimal("9.95"),
        "9785432319487": Decimal("21.30"),
        # Books that are not in the sample catalog, for exercises that add some
        "9787574911864": Decimal("12.50"),
        "9782527601892": Decimal("42.00"),
        "9785559797113": Decimal("7.25"),
        "9784710497466": Decimal("19.80"),
    }
)


def legacy_price(isbn: str) -> Decimal:
    """Return the price of the book with this ISBN, after blocking for LEGACY_DELAY_SECONDS.

    Raises ``KeyError(isbn)`` (also after the delay) when the legacy system has no price for it.
    Thread-safe: any number of threads may call it at once, and each waits only for itself.
    """
    service = os.environ.get("DEMO_PROJECT_LEGACY_PRICES")
    if service:
        return _ask_the_service(service, isbn)
    time.sleep(LEGACY_DELAY_SECONDS)
    try:
        return LEGACY_PRICES[isbn]
    except KeyError:
        raise KeyError(isbn) from None


def _ask_the_service(socket_path: str, isbn: str) -> Decimal:
    """GET /prices/<isbn> from the service on ``socket_path``: 200 {"price": "12.50"} or 404."""
    transport = httpx.HTTPTransport(uds=socket_path, verify=False)
    # The service is told which thread asked (it reports "all on one thread" to students).
    headers = {"x-thread": str(threading.get_native_id())}
    with httpx.Client(transport=transport, timeout=30) as client:
        response = client.get(f"http://legacy-prices.example/prices/{quote(str(isbn))}",
                              headers=headers)  # fmt: skip
    if response.status_code == 404:
        raise KeyError(isbn)
    response.raise_for_status()
    return Decimal(response.json()["price"])
