"""The one shape every demo_project view uses for bad input: ``{"error": "<short reason>"}``."""

from collections.abc import Iterable

from django.http import HttpRequest, JsonResponse


def json_error(message: str, *, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def method_not_allowed(request: HttpRequest, allowed: Iterable[str]) -> JsonResponse:
    """A 405 with an Allow header, like require_http_methods() gives, but with a JSON body."""
    allowed = list(allowed)
    response = json_error(
        f"method {request.method} is not allowed here; use {' or '.join(allowed)}", status=405
    )
    response["Allow"] = ", ".join(allowed)
    return response
