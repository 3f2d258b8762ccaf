"""The simulated services: real HTTP on a socket per host, and a record of every call.

What a view meets is what a real network does: a host that is down refuses the connection, an
unknown host does not exist, a service can drop the connection or never answer, and a request
the caller gives up on ends as "cancelled" in the record, at the moment it was given up.
"""

from __future__ import annotations

import asyncio
import stat
import time

import httpx
import pytest

from autograder.runtime import services
from autograder.runtime.simulated.services import Failure, Route, ServicesThread
from tests.conftest import run

pytestmark = pytest.mark.grading

URLS = [f"https://{name}.example/api" for name in ("weather", "news", "stocks")]


@pytest.fixture
def station(tmp_path):
    station = ServicesThread(tmp_path)
    yield station
    station.stop()


async def _get(station, url, **options):
    with services.routed_to(station.folder):
        async with services.client(**options) as client:
            return await client.get(url)


def test_gathered_calls_overlap_and_sequential_ones_do_not(station):
    log = station.install({url: Route(json={"from": url}, delay=0.2) for url in URLS})

    async def both():
        with services.routed_to(station.folder):
            async with services.client() as client:
                together = await asyncio.gather(*(client.get(url) for url in URLS))
                one_by_one = [await client.get(url) for url in URLS]
        return together, one_by_one

    together, one_by_one = run(both())
    assert [r.json() for r in together + one_by_one] == [{"from": u} for u in URLS] * 2
    first, second = log.calls[:3], log.calls[3:]
    assert log.peak_overlap(first) == 3 and log.peak_overlap(second) == 1
    assert [c.outcome for c in log.calls] == ["ok"] * 6 and log.in_flight == 0


def test_failures_are_those_of_a_real_network(station):
    station.install({
        URLS[0]: Route(failure=Failure.REFUSE),
        URLS[1]: Route(failure=Failure.RESET, delay=0.05),
        URLS[2]: Route(json={"detail": "maintenance"}, status=503, delay=0.05),
    })  # fmt: skip
    with pytest.raises(httpx.ConnectError, match="refused"):
        run(_get(station, URLS[0]))
    with pytest.raises(httpx.RemoteProtocolError):
        run(_get(station, URLS[1]))
    assert run(_get(station, URLS[2])).status_code == 503
    with pytest.raises(httpx.ConnectError):
        run(_get(station, "https://nowhere.example/"))  # no such host


def test_a_call_given_up_on_is_recorded_as_cancelled_when_it_was(station):
    log = station.install(
        {URLS[0]: Route(json={}, delay=2.0), URLS[1]: Route(failure=Failure.HANG)}
    )

    async def give_up():
        with services.routed_to(station.folder):
            async with services.client() as client:
                task = asyncio.create_task(client.get(URLS[0]))
                await asyncio.sleep(0.2)
                task.cancel()
                cancelled_at = time.perf_counter()
                with pytest.raises(asyncio.CancelledError):
                    await task
                with pytest.raises(httpx.ReadTimeout):  # only the caller's timeout ends a hang
                    await client.get(URLS[1], timeout=0.2)
        await asyncio.sleep(0.1)
        return cancelled_at

    cancelled_at = run(give_up())
    slow, hung = log.calls_to(URLS[0])[0], log.calls_to(URLS[1])[0]
    assert slow.outcome == "cancelled" and abs(slow.ended - cancelled_at) < 0.1
    assert hung.outcome == "cancelled" and 0.15 < hung.seconds < 0.5


def test_a_blocking_client_says_which_thread_called(station):
    import threading

    log = station.install({URLS[0]: Route(json={}, delay=0.01)})
    with services.routed_to(station.folder):
        with httpx.Client(transport=services.blocking_transport()) as client:
            assert client.get(URLS[0]).status_code == 200
    assert log.calls[0].thread == str(threading.get_native_id())


def test_every_host_has_a_socket_a_kernel_of_another_user_can_connect_to(station):
    station.install({url: Route(json={}) for url in URLS})
    for url in URLS:
        host = url.split("/")[2]
        mode = station.socket_path(host).stat().st_mode
        assert stat.S_ISSOCK(mode) and mode & 0o777 == 0o666


def test_the_practice_services_answer_the_notebooks_try_it_cells():
    from autograder.runtime.simulated.practice import UPSTREAMS

    async def calls():
        async with services.client() as client:
            weather = await client.get(UPSTREAMS["weather"])
            user = await client.get("https://users.example/users/2")
            nobody = await client.get("https://users.example/users/99")
        return weather, user, nobody

    weather, user, nobody = run(calls())
    assert weather.json()["city"] == "Lisbon"
    assert user.json()["name"] == "Alan Turing" and nobody.status_code == 404


def test_a_scenario_changes_the_practice_services_for_its_block_only(capsys):
    from autograder.runtime.simulated.practice import UPSTREAMS

    async def stormy():
        with services.scenario("stormy") as log:
            async with services.client() as client:
                news = await client.get(UPSTREAMS["news"])
        services.print_timeline(log)
        async with services.client() as client:
            calm = await client.get(UPSTREAMS["news"])
        return news, calm

    news, calm = run(stormy())
    assert news.status_code == 503 and calm.status_code == 200
    assert "status 503" in capsys.readouterr().out
