"""The judge's HTTP client to a notebook's views (served by :mod:`autograder.runtime.serve`).

Every request names the view it is for (``X-Autograder-View``) and is timed on the judge's own
clock, from the moment it is sent to the moment the whole answer has arrived.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx

from autograder.runtime.serve import CONTROL, OUTCOME_HEADER, VIEW_HEADER


@dataclass(frozen=True)
class Request:
    """One request a check sends to a view."""

    path: str
    method: str = "GET"
    body: bytes | None = None
    content_type: str | None = None

    @classmethod
    def json(cls, path: str, data: object, method: str = "POST") -> Request:
        return cls(path, method, json.dumps(data).encode(), "application/json")

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Reply:
    """What came back for one request (or why nothing did)."""

    request: Request
    started: float
    ended: float | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # "response" (the view answered), "exception" (it raised), "returned" (not a response),
    # "missing" / "not-callable" (no such view), "timeout" (no answer in time),
    # "unreachable" (the kernel did not serve)
    outcome: str = "timeout"
    details: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.request.label

    @property
    def seconds(self) -> float:
        return (self.ended if self.ended is not None else time.perf_counter()) - self.started

    @property
    def answered(self) -> bool:
        return self.outcome == "response"

    @property
    def exception(self) -> dict | None:
        return self.details.get("exception") if self.outcome == "exception" else None

    def json(self) -> object:
        """The body parsed as JSON (raises ValueError when it is not JSON)."""
        return json.loads(self.body)

    def text(self, limit: int = 300) -> str:
        text = self.body.decode(errors="replace")
        return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Event:
    """One Server-Sent Event of a stream, and when its last byte arrived (the judge's clock)."""

    arrived: float
    text: str  # its lines, without the blank line that ends it

    @property
    def data(self) -> str:
        """Its ``data:`` lines joined, as a browser's EventSource gives them (``event.data``)."""
        lines = [line[5:] for line in self.text.split("\n") if line.startswith("data:")]
        return "\n".join(line[1:] if line.startswith(" ") else line for line in lines)


@dataclass
class Stream:
    """A response read as it arrived: its reply (all the bytes read), events and end."""

    reply: Reply
    events: list[Event] = field(default_factory=list)
    headers_arrived: float | None = None  # the status line and headers: the view had returned
    complete: bool = False  # the server ended the response
    closed: float | None = None  # when the client hung up before the end (a disconnect)
    chunks: list[tuple[float, int]] = field(default_factory=list)  # (arrived, bytes)

    @property
    def first_byte(self) -> float | None:
        return self.chunks[0][0] if self.chunks else None


def split_events(buffer: str) -> tuple[list[str], str]:
    """Complete SSE events in ``buffer`` (each ended by a blank line) and the rest."""
    buffer = buffer.replace("\r\n", "\n").replace("\r", "\n")
    *events, rest = buffer.split("\n\n")
    return [event for event in events if event.strip("\n")], rest


class ViewClient:
    """Requests to the views served on a Unix socket."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self._client = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=socket_path, verify=False),
            base_url="http://notebook",
            timeout=None,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, view: str, request: Request, time_limit: float) -> Reply:
        reply = Reply(request, started=time.perf_counter())
        headers = {VIEW_HEADER: view}
        if request.content_type:
            headers["content-type"] = request.content_type
        try:
            async with asyncio.timeout(time_limit):
                response = await self._client.request(
                    request.method, request.path, content=request.body, headers=headers
                )
            reply.ended = time.perf_counter()
        except TimeoutError:
            reply.outcome = "timeout"
            return reply
        except httpx.HTTPError as error:
            reply.ended = time.perf_counter()
            reply.outcome, reply.details = (
                "unreachable",
                {"error": f"{type(error).__name__}: {error}"},
            )
            return reply
        reply.status, reply.body = response.status_code, response.content
        reply.headers = dict(response.headers)
        reply.outcome = response.headers.get(OUTCOME_HEADER.lower(), "response")
        if reply.outcome != "response":
            try:
                reply.details = json.loads(response.content)
            except ValueError:
                reply.details = {}
        return reply

    @staticmethod
    def _query(names) -> str:
        return "names=" + ",".join(quote(n) for n in names)

    async def control(self, action: str, names=(), time_limit: float = 5.0) -> dict:
        async with asyncio.timeout(time_limit):
            response = await self._client.post(f"{CONTROL}{action}?{self._query(names)}")
        return response.json()

    async def read_stream(self, view: str, request: Request, time_limit: float,
                          stop_after: int | None = None) -> Stream:  # fmt: skip
        """Read the answer as a client reads a stream: each chunk and each SSE event as it
        arrives. The client hangs up (closes the connection) after ``stop_after`` events, or
        when ``time_limit`` has passed; ``Stream.closed`` says when."""
        reply = Reply(request, started=time.perf_counter())
        found = Stream(reply)
        body, pending = bytearray(), ""
        try:
            async with asyncio.timeout(time_limit):
                async with self._client.stream(
                    request.method, request.path, content=request.body,
                    headers=self._headers(view, request),
                ) as response:  # fmt: skip
                    found.headers_arrived = time.perf_counter()
                    reply.status, reply.headers = response.status_code, dict(response.headers)
                    reply.outcome = response.headers.get(OUTCOME_HEADER.lower(), "response")
                    async for chunk in response.aiter_raw():
                        now = time.perf_counter()
                        body.extend(chunk)
                        found.chunks.append((now, len(chunk)))
                        texts, pending = split_events(pending + chunk.decode(errors="replace"))
                        found.events.extend(Event(now, text) for text in texts)
                        if stop_after is not None and len(found.events) >= stop_after:
                            break
                    else:
                        found.complete = True
            # Leaving the block early closed the connection: the server sees a disconnect.
            if not found.complete:
                found.closed = time.perf_counter()
        except TimeoutError:
            found.closed = time.perf_counter()
        except httpx.HTTPError as error:  # refused, or dropped before the end
            reply.details = {"error": f"{type(error).__name__}: {error}"}
            if reply.status is None:
                reply.outcome = "unreachable"
        reply.ended = found.closed or time.perf_counter()
        reply.body = bytes(body)
        if reply.outcome not in ("response", "timeout", "unreachable"):
            try:
                reply.details = json.loads(reply.body)
            except ValueError:
                reply.details = {}
        return found

    @staticmethod
    def _headers(view: str, request: Request) -> dict[str, str]:
        headers = {VIEW_HEADER: view}
        if request.content_type:
            headers["content-type"] = request.content_type
        return headers

    async def stream(self, view: str, request: Request) -> AsyncIterator[httpx.Response]:
        """An open streaming response (``async with client.stream(...) as response``)."""
        return self._client.stream(request.method, request.path, content=request.body,
                                   headers={VIEW_HEADER: view})  # fmt: skip
