import asyncio
import time
from unittest import mock

from django.test import SimpleTestCase

from demo_project.json_assertions import JsonErrorAssertions

from . import views as upstream_views

BAD_DELAYS = ["nan", "NaN", "inf", "-inf", "-0.1", "10.01", "1e309", "abc", "", "0x10"]
BAD_STATUSES = ["199", "600", "100", "-200", "2OO", "200.0", "", "٢٠٠", "99999999999999999999"]


class UpstreamViewTests(JsonErrorAssertions, SimpleTestCase):
    async def test_answers_200_at_once_by_default(self):
        with mock.patch.object(upstream_views.asyncio, "sleep", wraps=asyncio.sleep) as sleep:
            response = await self.async_client.get("/upstream/billing/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"service": "billing", "delay": 0.0, "status": 200})
        sleep.assert_awaited_once_with(0.0)

    async def test_waits_for_the_delay_with_asyncio_sleep(self):
        with mock.patch.object(upstream_views.asyncio, "sleep", wraps=asyncio.sleep) as sleep:
            started = time.perf_counter()
            response = await self.async_client.get("/upstream/billing/", {"delay": "0.1"})
            elapsed = time.perf_counter() - started
        self.assertEqual(response.json(), {"service": "billing", "delay": 0.1, "status": 200})
        sleep.assert_awaited_once_with(0.1)
        self.assertGreaterEqual(elapsed, 0.1 * 0.95)

    async def test_concurrent_requests_wait_together(self):
        delay, request_count = 0.2, 5
        started = time.perf_counter()
        responses = await asyncio.gather(
            *(
                self.async_client.get(f"/upstream/service-{number}/", {"delay": str(delay)})
                for number in range(request_count)
            )
        )
        elapsed = time.perf_counter() - started
        self.assertEqual(
            [response.json()["service"] for response in responses],
            [f"service-{number}" for number in range(request_count)],
        )
        # Together they take about one delay; 0.6 of one after another is a wide margin.
        self.assertLess(elapsed, request_count * delay * 0.6)

    async def test_answers_the_status_asked_for(self):
        for status in (200, 201, 299, 302):
            with self.subTest(status=status):
                response = await self.async_client.get("/upstream/shipping/", {"status": status})
                self.assertEqual(response.status_code, status)
                self.assertEqual(
                    response.json(), {"service": "shipping", "delay": 0.0, "status": status}
                )

    async def test_failure_statuses_carry_an_error(self):
        for status, log_level in (
            (404, "WARNING"),
            (429, "WARNING"),
            (503, "ERROR"),
            (599, "ERROR"),
        ):
            with self.subTest(status=status):
                with self.assertLogs("django.request", log_level):
                    response = await self.async_client.get(
                        "/upstream/shipping/", {"status": status}
                    )
                self.assertEqual(response.status_code, status)
                self.assertEqual(
                    response.json(),
                    {
                        "service": "shipping",
                        "delay": 0.0,
                        "status": status,
                        "error": f"upstream 'shipping' failed with status {status}, as asked",
                    },
                )

    async def test_statuses_without_a_body_get_none(self):
        for status in (204, 205, 304):
            with self.subTest(status=status):
                response = await self.async_client.get("/upstream/shipping/", {"status": status})
                self.assertEqual(response.status_code, status)
                self.assertEqual(response.content, b"")

    async def test_bad_delay_is_a_400_without_waiting(self):
        for delay in BAD_DELAYS:
            with self.subTest(delay=delay):
                with mock.patch.object(upstream_views.asyncio, "sleep") as sleep:
                    error = await self.request_expecting_error(
                        "GET", "/upstream/billing/", 400, data={"delay": delay}
                    )
                sleep.assert_not_called()
                self.assertEqual(
                    error, f"delay must be a number of seconds from 0 to 10, not {delay!r}"
                )

    async def test_bad_status_is_a_400_without_waiting(self):
        for status in BAD_STATUSES:
            with self.subTest(status=status):
                with mock.patch.object(upstream_views.asyncio, "sleep") as sleep:
                    error = await self.request_expecting_error(
                        "GET", "/upstream/billing/", 400, data={"delay": "5", "status": status}
                    )
                sleep.assert_not_called()
                self.assertEqual(
                    error, f"status must be a whole number from 200 to 599, not {status!r}"
                )

    async def test_limits_are_allowed(self):
        with (
            mock.patch.object(upstream_views.asyncio, "sleep") as sleep,
            self.assertLogs("django.request", "ERROR"),
        ):
            response = await self.async_client.get(
                "/upstream/billing/", {"delay": "10", "status": "599"}
            )
        self.assertEqual(response.status_code, 599)
        self.assertEqual(response.json()["delay"], 10.0)
        sleep.assert_awaited_once_with(10.0)

    async def test_negative_zero_delay_is_zero(self):
        response = await self.async_client.get("/upstream/billing/", {"delay": "-0"})
        self.assertEqual(response.content, b'{"service": "billing", "delay": 0.0, "status": 200}')

    async def test_other_methods_are_a_405(self):
        for path in ("/upstream/billing/", "/upstream/billing/sync/"):
            with self.subTest(path=path):
                await self.request_expecting_error("POST", path, 405)


class UpstreamSyncViewTests(JsonErrorAssertions, SimpleTestCase):
    def test_is_a_plain_sync_view(self):
        self.assertFalse(asyncio.iscoroutinefunction(upstream_views.upstream_sync))

    async def test_blocks_for_the_delay_with_time_sleep(self):
        with mock.patch.object(upstream_views.time, "sleep", wraps=time.sleep) as sleep:
            started = time.perf_counter()
            response = await self.async_client.get(
                "/upstream/billing/sync/", {"delay": "0.1", "status": "201"}
            )
            elapsed = time.perf_counter() - started
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json(), {"service": "billing", "delay": 0.1, "status": 201})
        sleep.assert_called_once_with(0.1)
        self.assertGreaterEqual(elapsed, 0.1 * 0.95)

    async def test_validates_like_the_async_view(self):
        for query in [{"delay": delay} for delay in BAD_DELAYS] + [
            {"status": status} for status in BAD_STATUSES
        ]:
            with self.subTest(query=query):
                with mock.patch.object(upstream_views.time, "sleep") as sleep:
                    sync_error = await self.request_expecting_error(
                        "GET", "/upstream/billing/sync/", 400, data=query
                    )
                sleep.assert_not_called()
                async_error = await self.request_expecting_error(
                    "GET", "/upstream/billing/", 400, data=query
                )
                self.assertEqual(sync_error, async_error)

    async def test_failure_statuses_carry_an_error(self):
        with self.assertLogs("django.request", "ERROR"):
            response = await self.async_client.get("/upstream/billing/sync/", {"status": "502"})
        self.assertEqual(response.status_code, 502)
        self.assertIn("error", response.json())
