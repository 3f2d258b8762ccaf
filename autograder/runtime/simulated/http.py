"""A small HTTP/1.1 server on Unix sockets (asyncio + h11), for the simulated services.

Each simulated host listens on a socket file of its own, so the network events a view can meet
are real ones: a host that is down refuses the connection (its socket exists but does not
listen), an unknown host does not exist (no socket file), a request the caller gives up on
shows up here as a closed connection, and the handler of that request is cancelled at once.

``handler(request) -> Response`` is a coroutine. It may also return :data:`RESET` (the
connection is closed without an answer: httpx raises ``RemoteProtocolError``) or wait forever
(the caller's own timeout decides).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import h11

MAX_BODY = 1 << 20  # the simulated services read small JSON bodies only


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query, as sent
    host: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


RESET = object()  # close the connection without answering
Handler = Callable[[Request], Awaitable["Response | object"]]


class HttpServer:
    """Serves ``handler`` on any number of Unix sockets; ``refuse(path)`` makes one refuse."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._servers: dict[str, asyncio.AbstractServer] = {}
        self._refusing: dict[str, socket.socket] = {}
        self._connections: set[asyncio.Task] = set()

    async def listen(self, path: str) -> None:
        await self._forget(path)
        server = await asyncio.start_unix_server(self._serve_connection, path=path)
        os.chmod(path, 0o666)  # a kernel running as another user connects to it
        self._servers[path] = server

    async def refuse(self, path: str) -> None:
        """A socket file that exists but does not listen: connecting gets ECONNREFUSED."""
        await self._forget(path)
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(path)
        os.chmod(path, 0o666)
        self._refusing[path] = dead

    async def _forget(self, path: str) -> None:
        server = self._servers.pop(path, None)
        if server is not None:
            server.close()
        dead = self._refusing.pop(path, None)
        if dead is not None:
            dead.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    async def close(self) -> None:
        for path in [*self._servers, *self._refusing]:
            await self._forget(path)
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(self._connections, timeout=2)

    # --- one connection ---------------------------------------------------------------------------

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            await self._requests(reader, writer)
        except (ConnectionError, h11.ProtocolError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        conn = h11.Connection(h11.SERVER)
        while True:
            request = await self._read_request(conn, reader)
            if request is None:
                return
            outcome = await self._answer(request, conn, reader)
            if outcome is None or outcome is RESET:
                return  # the caller went away, or the service drops the connection
            headers = [("content-length", str(len(outcome.body)))]
            headers += [(k, v) for k, v in outcome.headers.items()]
            data = conn.send(h11.Response(status_code=outcome.status, headers=headers))
            data += conn.send(h11.Data(data=outcome.body)) + conn.send(h11.EndOfMessage())
            writer.write(data)
            await writer.drain()
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()

    async def _read_request(self, conn: h11.Connection, reader) -> Request | None:
        head, body = None, bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                if not data:
                    return None
                conn.receive_data(data)
                continue
            if isinstance(event, h11.Request):
                head = event
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > MAX_BODY:
                    return None
            elif isinstance(event, h11.EndOfMessage):
                headers = {k.decode().lower(): v.decode("latin-1") for k, v in head.headers}
                host = headers.get("host", "").split(":")[0]
                return Request(head.method.decode(), head.target.decode("latin-1"), host,
                               headers, bytes(body))  # fmt: skip
            elif isinstance(event, h11.ConnectionClosed):
                return None

    async def _answer(self, request: Request, conn: h11.Connection, reader):
        """Run the handler; cancel it when the caller closes the connection first."""
        handling = asyncio.ensure_future(self._handler(request))
        watching = asyncio.ensure_future(reader.read(65536))
        try:
            done, _ = await asyncio.wait({handling, watching}, return_when=asyncio.FIRST_COMPLETED)
            if handling in done:
                return handling.result()
            if watching.result():  # a pipelined request (httpx never sends one): answer this first
                return await handling
            # The caller closed (or reset) the connection before the answer: it gave up.
            return None
        finally:
            handling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await handling
            if not watching.done():
                watching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watching
            elif not watching.cancelled() and watching.exception() is None and watching.result():
                conn.receive_data(watching.result())  # the next request's first bytes
