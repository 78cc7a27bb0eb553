"""A real MQTT broker for the tests, on a free loopback port: ``mosquitto`` when it is on PATH,
otherwise the embedded amqtt broker in a child process (MQTT 3.1.1 only). On CI (``$CI`` set)
Mosquitto is required and its absence fails. Never the system broker on 1883.

Also the broker of the benchmarks (tools/bench_latency.py, bench_daemon.py): it needs no pytest."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    """A free loopback port below the kernel's ephemeral range. Inside that range a client that
    connects before the server listens (a broker starting or restarting) can be given the very
    port it dials as its own and connect to itself (TCP self-connect), which then takes the port
    from the server: seen as "address already in use" for the embedded broker."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as fh:
        low = int(fh.read().split()[0])
    for port in random.sample(range(max(1024, low - 12000), low), 500):
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            return port
    raise RuntimeError("no free loopback port below the ephemeral range")


def wait_port(port: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"broker did not listen on 127.0.0.1:{port} within {timeout} s")


_AMQTT_SCRIPT = """
import asyncio, sys
from retrogait.sinks.mqtt import EmbeddedBroker
async def main():
    async with EmbeddedBroker(port=int(sys.argv[1])):
        await asyncio.Event().wait()
asyncio.run(main())
"""


class Broker:
    """A broker process we own: start, stop (SIGTERM), restart on the same port."""

    def __init__(self, workdir: Path, persistence: bool = False, nodelay: bool = False) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.persistence = persistence
        self.nodelay = nodelay  # Mosquitto's set_tcp_nodelay (docs/mqtt.md)
        self.mosquitto = shutil.which("mosquitto") or (
            "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
        )
        if self.mosquitto is None and os.environ.get("CI"):
            import pytest

            pytest.fail("CI requires Mosquitto on PATH (apt-get install mosquitto)")
        self.kind = "mosquitto" if self.mosquitto else "amqtt"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def supports_v5(self) -> bool:
        return self.kind == "mosquitto"

    def start(self) -> None:
        assert self.proc is None
        log = open(self.workdir / f"broker-{self.port}.log", "ab")  # noqa: SIM115
        if self.mosquitto:
            conf = self.workdir / f"mosquitto-{self.port}.conf"
            lines = [f"listener {self.port} 127.0.0.1", "allow_anonymous true"]
            if self.persistence:
                lines += ["persistence true", f"persistence_location {self.workdir}/",
                          "autosave_interval 3600"]
            else:
                lines.append("persistence false")
            if self.nodelay:
                lines.append("set_tcp_nodelay true")
            if os.geteuid() == 0:
                lines.append("user root")  # keep access to the temp dir
            conf.write_text("\n".join(lines) + "\n")
            cmd = [self.mosquitto, "-c", str(conf)]
        else:
            cmd = [sys.executable, "-c", _AMQTT_SCRIPT, str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        log.close()
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None
