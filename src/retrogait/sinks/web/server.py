"""The live page's HTTP server (aiohttp): the page, its assets, the event stream and the report.

Routes::

    GET /                    the page (static/index.html)
    GET /static/<file>       its script and style sheet (shipped in the wheel, no CDN)
    GET /events              Server-Sent Events: the hub's messages (see hub.py)
    GET /api/state           the same snapshot a page gets on connecting, as one JSON document
    GET /report/<athlete>    the session's HTML report (``retrogait report``), made on the first
                             request after the session ended, in a worker thread
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from aiohttp import web

from retrogait.errors import ConfigError, RetrogaitError
from retrogait.sinks.web.hub import WebHub

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
STATIC = resources.files("retrogait.sinks.web") / "static"
_NO_CACHE = {"Cache-Control": "no-cache"}


def parse_listen(spec: str, default_host: str = "0.0.0.0") -> tuple[str, int]:
    """``PORT``, ``HOST:PORT`` or ``[V6]:PORT`` -> (host, port). Default host: every interface
    (the phone on the same Wi-Fi must reach it)."""
    text = spec.strip()
    host, sep, port_txt = text.rpartition(":")
    if not sep:
        host, port_txt = "", text
    host = host.strip("[]") or default_host
    try:
        port = int(port_txt)
    except ValueError:
        raise ConfigError(f"--web {spec!r}: expected PORT or HOST:PORT") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"--web {spec!r}: port out of range")
    return host, port


class WebServer:
    """Serves one hub's page on ``host:port`` until :meth:`stop`."""

    def __init__(self, hub: WebHub, host: str = "0.0.0.0", port: int = DEFAULT_PORT) -> None:
        self.hub = hub
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._reports: dict[str, Path] = {}
        self._report_locks: dict[str, asyncio.Lock] = {}
        self._tmp: Path | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://{host}:{self.port}/"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/events", self._events)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/report/{athlete}", self._report)
        app.router.add_get("/static/{name}", self._static)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise ConfigError(f"--web: cannot listen on {self.host}:{self.port}: "
                              f"{exc.strerror or exc}") from None
        if self.port == 0:  # an ephemeral port: tell which
            self.port = int(self._runner.addresses[0][1])
        self.hub.start()

    async def stop(self) -> None:
        await self.hub.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    # ---- handlers
    async def _index(self, request: web.Request) -> web.StreamResponse:
        return self._file("index.html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        return self._file(request.match_info["name"])

    def _file(self, name: str) -> web.Response:
        types = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
                 ".svg": "image/svg+xml", ".png": "image/png"}
        suffix = Path(name).suffix
        if "/" in name or name.startswith(".") or suffix not in types:
            raise web.HTTPNotFound()
        res = STATIC / name
        if not res.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=res.read_bytes(), content_type=types[suffix],
                            charset="utf-8" if suffix != ".png" else None, headers=_NO_CACHE)

    async def _state(self, request: web.Request) -> web.Response:
        msgs = [json.loads(m) for m in self.hub.greeting()]
        return web.json_response({"hello": msgs[0], "athletes": msgs[1:]}, headers=_NO_CACHE)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        })
        await resp.prepare(request)
        client = self.hub.connect()
        try:
            await resp.write(b"retry: 1000\n\n")
            for msg in self.hub.greeting():
                await resp.write(_sse(msg))
            while True:
                item = await client.queue.get()
                if item is None:
                    break
                msg = item
                if client.resync:  # messages were lost: start this page again from a snapshot
                    client.resync = False
                    while not client.queue.empty():
                        if client.queue.get_nowait() is None:
                            return resp
                    for m in self.hub.greeting():
                        await resp.write(_sse(m))
                    continue
                await resp.write(_sse(msg))
                client.sent += 1
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            self.hub.disconnect(client)
        return resp

    async def _report(self, request: web.Request) -> web.StreamResponse:
        athlete = request.match_info["athlete"]
        feed = self.hub.athletes.get(athlete)
        if feed is None or feed.recording is None:
            raise web.HTTPNotFound(text="no recording for this athlete on this server")
        if not feed.ended:
            raise web.HTTPConflict(text="the session is still running: the report is made "
                                   "when it ends")
        lock = self._report_locks.setdefault(athlete, asyncio.Lock())
        async with lock:
            html = self._reports.get(athlete)
            if html is None:
                if self._tmp is None:
                    self._tmp = Path(tempfile.mkdtemp(prefix="retrogait-web-"))
                out = self._tmp / f"report-{len(self._reports)}"
                try:
                    html = await asyncio.to_thread(make_report, feed.recording, out)
                except RetrogaitError as exc:
                    raise web.HTTPServiceUnavailable(text=str(exc)) from None
                self._reports[athlete] = html
        return web.FileResponse(html, headers=_NO_CACHE)


def make_report(recording: Path, out: Path) -> Path:
    """``retrogait report RECORDING -o OUT``; returns the HTML file (blocking: run in a thread)."""
    from retrogait.insights.recording import analyze_recording
    from retrogait.insights.report import write_report

    session = analyze_recording(recording)
    result = write_report(out, session.summary, session.strides, session.gaps, recording)
    return Path(result.html)


def _sse(message: str) -> bytes:
    return b"data: " + message.encode() + b"\n\n"


async def serve_until_stopped(server: WebServer, seconds: float) -> None:
    """Keep serving for ``seconds`` (inf: until Ctrl-C / SIGTERM), then return."""
    import signal
    import sys

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    if sys.platform != "win32":
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), None if seconds == float("inf") else seconds)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
