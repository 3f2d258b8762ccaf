import asyncio
import os
import threading
import time

from django.test import SimpleTestCase

from demo_project.json_assertions import JsonErrorAssertions

from .work import count_primes

PRIMES_BELOW_100 = 25
# About 0.3 s of pure-Python CPU work on the course's machines; enough to see a stall.
SLOW_BELOW = 100_000


class Heartbeat:
    """The longest the event loop was late to wake a task that sleeps 5 ms at a time."""

    TICK = 0.005

    def __init__(self):
        self.longest_stall = 0.0
        self.asleep_since = time.perf_counter()

    def note(self):
        """Also call it at the end: a stall just before has not woken the heartbeat yet."""
        late = time.perf_counter() - self.asleep_since - self.TICK
        self.longest_stall = max(self.longest_stall, late)

    async def beat(self):
        while True:
            self.asleep_since = time.perf_counter()
            await asyncio.sleep(self.TICK)
            self.note()


class CountPrimesTests(SimpleTestCase):
    def test_counts_primes_below_the_limit(self):
        self.assertEqual(
            [count_primes(below) for below in (2, 3, 10, 100, 1000)],
            [0, 1, 4, PRIMES_BELOW_100, 168],
        )


class WhereTests(JsonErrorAssertions, SimpleTestCase):
    async def test_under_asgi_the_view_runs_on_the_callers_event_loop(self):
        response = await self.async_client.get("/ops/where/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "pid": os.getpid(),
                "thread": threading.current_thread().name,
                "loop": id(asyncio.get_running_loop()),
                "interface": "asgi",
            },
        )

    def test_under_wsgi_the_view_runs_in_an_event_loop_made_for_it(self):
        # The sync test client goes through Django's WSGI-style handler, like runserver does;
        # this test runs with no event loop at all, so the view's loop was made for the request.
        answer = self.client.get("/ops/where/").json()
        self.assertEqual(answer["interface"], "wsgi")
        self.assertIsNotNone(answer["loop"])
        with self.assertRaises(RuntimeError):
            asyncio.get_running_loop()

    async def test_waits_when_asked_so_that_requests_overlap(self):
        started = time.perf_counter()
        responses = await asyncio.gather(
            *(self.async_client.get("/ops/where/", {"wait": "0.1"}) for _ in range(3))
        )
        elapsed = time.perf_counter() - started
        self.assertEqual({response.status_code for response in responses}, {200})
        self.assertGreaterEqual(elapsed, 0.1 * 0.95)
        self.assertLess(elapsed, 3 * 0.1 * 0.7)  # together, not one after another

    async def test_bad_wait_is_a_400(self):
        for wait in ("-1", "1.5", "nan", "abc", ""):
            with self.subTest(wait=wait):
                error = await self.request_expecting_error(
                    "GET", "/ops/where/", 400, data={"wait": wait}
                )
                self.assertEqual(
                    error, f"wait must be a number of seconds from 0 to 1, not {wait!r}"
                )

    async def test_other_methods_are_a_405(self):
        for path in ("/ops/where/", "/ops/primes/", "/ops/primes/pool/"):
            with self.subTest(path=path):
                await self.request_expecting_error("POST", path, 405)


class PrimesTests(JsonErrorAssertions, SimpleTestCase):
    async def test_both_views_count_the_same(self):
        for path in ("/ops/primes/", "/ops/primes/pool/"):
            with self.subTest(path=path):
                response = await self.async_client.get(path, {"below": "100"})
                self.assertEqual(response.status_code, 200)
                answer = response.json()
                self.assertEqual(
                    (answer["below"], answer["primes"], answer["pid"]),
                    (100, PRIMES_BELOW_100, os.getpid()),
                )
                self.assertGreaterEqual(answer["seconds"], 0)

    async def test_bad_below_is_a_400(self):
        for below in ("", "1", "abc", "3000001", "1e3", "٢٠"):
            for path in ("/ops/primes/", "/ops/primes/pool/"):
                with self.subTest(below=below, path=path):
                    error = await self.request_expecting_error(
                        "GET", path, 400, data={"below": below}
                    )
                    self.assertEqual(
                        error, f"below must be a whole number from 2 to 3000000, not {below!r}"
                    )

    async def _longest_stall_during(self, path: str) -> tuple[float, float]:
        heartbeat = Heartbeat()
        beating = asyncio.create_task(heartbeat.beat())
        await asyncio.sleep(0.02)
        response = await self.async_client.get(path, {"below": str(SLOW_BELOW)})
        heartbeat.note()
        beating.cancel()
        await asyncio.gather(beating, return_exceptions=True)
        return heartbeat.longest_stall, response.json()["seconds"]

    async def test_counting_in_the_view_blocks_the_event_loop(self):
        stall, seconds = await self._longest_stall_during("/ops/primes/")
        self.assertGreater(stall, seconds * 0.5, "the loop should have been stuck meanwhile")

    async def test_counting_in_the_pool_leaves_the_event_loop_free(self):
        await self.async_client.get("/ops/primes/pool/", {"below": "10"})  # start the pool
        stall, seconds = await self._longest_stall_during("/ops/primes/pool/")
        self.assertLess(stall, max(0.05, seconds * 0.3), f"the loop stalled {stall:.3f} s")
