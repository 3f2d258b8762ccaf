"""Assertions shared by the apps' tests: "this request fails with a JSON error"."""

from django.http import HttpResponse


class JsonErrorAssertions:
    """Mixin for Django test cases whose views answer bad input with ``{"error": "..."}``."""

    async def request_expecting_error(
        self, method: str, path: str, status: int, **request_options
    ) -> str:
        """Send a request through ``self.async_client`` that must fail; return its error text.

        Also checks that Django logged the failure (its 4xx warnings go to stdout; see LOGGING),
        which keeps the test run's output quiet.
        """
        send = getattr(self.async_client, method.lower())
        with self.assertLogs("django.request", "WARNING"):
            response = await send(path, **request_options)
        self.assert_json_error(response, status)
        return response.json()["error"]

    def assert_json_error(self, response: HttpResponse, status: int) -> None:
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response["Content-Type"], "application/json")
        body = response.json()
        self.assertEqual(list(body), ["error"])
        self.assertIsInstance(body["error"], str)
        self.assertTrue(body["error"].strip(), "the error says nothing")
