"""The view server: Django's ASGI handler calling a notebook's views by name, over a socket.

It must answer like Django (status, headers, body, streaming, a disconnect cancelling the view)
and describe what the view did when it did not answer (an exception, a coroutine returned), so
that a check can explain it.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from autograder.runtime import serve
from tests.conftest import run

pytestmark = pytest.mark.grading

SOURCE = """
import asyncio, time
from django.http import JsonResponse, StreamingHttpResponse

async def hello(request):
    return JsonResponse({"hello": request.GET.get("name", "world")})

def sync_view(request):
    import threading
    return JsonResponse({"thread": threading.current_thread().name})

async def raises(request):
    return {"not": "a response"}["missing"]

async def forgets_await(request):
    return hello(request)

async def streams(request):
    async def events():
        try:
            for n in range(50):
                yield f"data: {n}\\n\\n"
                await asyncio.sleep(0.05)
        finally:
            STATE["closed"] = True
    return StreamingHttpResponse(events(), content_type="text/event-stream")

STATE = {}
ANSWER = {"q1": "b"}
LIMIT = 3
"""
VIEWS = ["hello", "sync_view", "raises", "forgets_await", "streams"]


def _namespace():
    """The answers, defined as a kernel defines a cell: with its lines known to linecache."""
    import linecache

    name = "<cell 1>"
    linecache.cache[name] = (len(SOURCE), None, SOURCE.splitlines(True), name)
    namespace = {"__name__": "__main__"}
    exec(compile(SOURCE, name, "exec"), namespace)
    return namespace


async def _with_server(namespace, body, **session):
    path = serve.preview_socket()
    try:
        async with serve.session(path, namespace, VIEWS, **session):
            transport = httpx.AsyncHTTPTransport(uds=path)
            async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
                return await body(client)
    finally:
        await serve.stop_servers()


def _get(client, view, path="/", **kwargs):
    return client.get(path, headers={serve.VIEW_HEADER: view}, **kwargs)


def test_a_view_answers_as_under_django():
    async def body(client):
        return await _get(client, "hello", "/?name=Ada"), await _get(client, "sync_view")

    hello, sync = run(_with_server(_namespace(), body))
    assert hello.status_code == 200 and hello.json() == {"hello": "Ada"}
    assert hello.headers[serve.OUTCOME_HEADER] == "response"
    assert sync.json()["thread"] != "MainThread"  # a sync view runs in a thread, as in Django


def test_what_went_wrong_is_described_not_hidden():
    async def collect(client):
        return [await _get(client, v) for v in ("raises", "forgets_await", "nope")]

    raised, forgot, missing = run(_with_server(_namespace(), collect))
    assert raised.status_code == 500 and raised.headers[serve.OUTCOME_HEADER] == "exception"
    error = raised.json()["exception"]
    assert error["type"] == "KeyError" and error["where"][-1][2].startswith("return")
    assert forgot.headers[serve.OUTCOME_HEADER] == "returned" and forgot.json()["awaitable"]
    assert missing.headers[serve.OUTCOME_HEADER] == "not-served"


def test_the_control_requests_describe_report_and_end_a_session():
    async def body(client):
        described = await client.post(f"{serve.CONTROL}describe?names=hello,sync_view,nothing")
        values = await client.post(f"{serve.CONTROL}values?names=ANSWER,LIMIT,nothing")
        ping = await client.post(f"{serve.CONTROL}ping")
        return described.json(), values.json(), ping.status_code

    namespace = _namespace()
    described, values, ping = run(_with_server(namespace, body, values=["ANSWER", "LIMIT"]))
    assert (
        described["hello"]["coroutine_function"]
        and not described["sync_view"]["coroutine_function"]
    )
    assert described["nothing"] == {"defined": False}
    assert values["ANSWER"] == {"defined": True, "json": {"q1": "b"}}
    assert values["nothing"] == {"defined": False} and ping == 204


def test_constants_hold_their_documented_values_while_served_and_come_back_after():
    namespace = _namespace()
    namespace["LIMIT"] = 99  # a "try it" cell changed a provided constant

    async def body(client):
        return (await client.post(f"{serve.CONTROL}values?names=LIMIT")).json()

    seen = run(_with_server(namespace, body, constants={"LIMIT": 3}, values=["LIMIT"]))
    assert seen["LIMIT"]["json"] == 3 and namespace["LIMIT"] == 99


def test_a_stream_streams_and_a_client_that_leaves_stops_it():
    namespace = _namespace()

    async def body(client):
        async with client.stream("GET", "/", headers={serve.VIEW_HEADER: "streams"}) as response:
            events = []
            async for chunk in response.aiter_text():
                events.append(chunk)
                if len(events) == 3:
                    break
        await asyncio.sleep(0.3)
        return events

    events = run(_with_server(namespace, body))
    assert events[0] == "data: 0\n\n" and len(events) == 3
    assert namespace["STATE"].get("closed"), "the generator went on after the client left"


def test_only_a_grading_session_leaves_what_lives_out_of_the_collections():
    import gc

    async def nothing(client):
        return None

    before = gc.get_freeze_count()
    run(_with_server(_namespace(), nothing))
    # A preview: the student's kernel lives on, and cycles frozen now would never be collected.
    assert gc.get_freeze_count() == before
    try:
        # What serve() asks for, in a grading kernel:
        run(_with_server(_namespace(), nothing, freeze=True))
        assert gc.get_freeze_count() > before + 10_000
    finally:
        gc.unfreeze()
