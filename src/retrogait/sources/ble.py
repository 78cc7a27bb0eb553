"""BLE acquisition with bleak: scan, connect to every configured sensor concurrently, start the
profile's streams, and yield raw notifications stamped with their arrival time.

* One shared :class:`~bleak.BleakScanner` serves every sensor that is being looked for (several
  scanners at once upset BlueZ); a sensor matches by address, by a name pattern, or by its firmware
  profile's advertisement rules (name pattern, service UUIDs, manufacturer id). Connects are
  serialised behind a lock, as in bleak's ``two_devices.py`` example; streaming is concurrent.
* The notification callback does nothing but stamp ``time.monotonic()`` (s since the session
  start) and ``put_nowait`` the bytes into one bounded queue; a full queue drops the notification
  and counts it per sensor (logged; the device's packet counter then reports the hole as a gap).
* Each sensor has a supervisor task: scan -> connect -> ``start_notify`` -> the profile's rate and
  start commands -> wait for a disconnect -> back off (exponential with jitter) -> scan again
  with a **new** ``BleakClient`` (bleak and Home Assistant advise against reusing one). Others
  keep streaming meanwhile. A sensor that is not found or fails is reported as
  ``ConnectionChange("failed")`` per attempt and ``"gave_up"`` after ``initial_attempts`` attempts
  if it never connected (``reconnect_attempts`` if it did; ``None`` = keep trying).
* :meth:`BleSource.stop` ends cleanly: profile stop commands, ``stop_notify``, disconnect.

Times ``t`` are host monotonic seconds since ``t0`` (the session start): the recording time base.

Over 400 lines: BleSource is one connection state machine (scan, connect, subscribe, reconnect,
drop accounting) with the scanner it shares between sensors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

from retrogait.profiles import FirmwareProfile, find_profile
from retrogait.profiles.schema import Match
from retrogait.recording.format import SensorInfo
from retrogait.sources.base import (
    ConnectionChange,
    ConnectionKind,
    Notification,
    Source,
    SourceItem,
)

log = logging.getLogger(__name__)

_END = object()


@dataclass(frozen=True)
class BleDevice:
    """A configured sensor: its session info plus how to recognise it."""

    info: SensorInfo
    name_pattern: str | None = None  # regex on the advertised name; overrides the profile's

    @property
    def id(self) -> str:
        return self.info.id


@dataclass
class BleStats:
    """Per-sensor acquisition counters."""

    notifications: int = 0
    dropped: int = 0
    connects: int = 0
    failures: int = 0
    address: str | None = None
    rssi_dbm: int | None = None
    """signal strength of the advertisement the sensor was found by, dBm"""
    state: str = "searching"


@dataclass
class BleOptions:
    adapter: str | None = None
    scan_timeout_s: float = 10.0
    connect_timeout_s: float = 20.0
    queue_size: int = 4096
    acquire_notify: bool = False
    """BlueZ: subscribe with ``AcquireNotify`` (each notification read from a socket) instead of
    ``StartNotify`` (each one a D-Bus signal the daemon parses): less CPU per notification; off
    by default, as in bleak, because some devices misbehave with it. bleak falls back to
    ``StartNotify`` on a characteristic that does not offer it; other platforms ignore it."""
    backoff_min_s: float = 1.0
    backoff_max_s: float = 30.0
    initial_attempts: int | None = 3
    reconnect_attempts: int | None = None
    client_backend: type[BaseBleakClient] | None = None
    scanner_backend: type[BaseBleakScanner] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def bluez(self) -> dict[str, Any]:
        return {"adapter": self.adapter} if self.adapter else {}


def advertisement_matches(
    match: Match, name_pattern: str | None, device: BLEDevice, adv: AdvertisementData
) -> bool:
    """Does an advertisement fit a profile's match rules (or a configured name pattern)?"""
    name = adv.local_name or device.name or ""
    if name_pattern is not None:
        return bool(re.search(name_pattern, name))
    if match.name_pattern and name and re.search(match.name_pattern, name):
        return True
    uuids = {u.lower() for u in adv.service_uuids}
    if match.service_uuids and uuids & set(match.service_uuids):
        return True
    return match.manufacturer_id is not None and match.manufacturer_id in adv.manufacturer_data


class _SharedScanner:
    """One BleakScanner running while at least one supervisor is looking for its device."""

    def __init__(self, options: BleOptions) -> None:
        self.options = options
        self._waiters: dict[int, tuple[Callable[[BLEDevice, AdvertisementData], bool],
                                       asyncio.Future[BLEDevice]]] = {}
        self._scanner: BleakScanner | None = None
        self._lock = asyncio.Lock()
        self._next = 0

    def _on_adv(self, device: BLEDevice, adv: AdvertisementData) -> None:
        for matcher, fut in list(self._waiters.values()):
            if not fut.done() and matcher(device, adv):
                fut.set_result(device)
                return  # one advertisement satisfies one waiter

    async def find(
        self, matcher: Callable[[BLEDevice, AdvertisementData], bool], timeout: float
    ) -> BLEDevice | None:
        fut: asyncio.Future[BLEDevice] = asyncio.get_running_loop().create_future()
        key = self._next
        self._next += 1
        self._waiters[key] = (matcher, fut)
        try:
            async with self._lock:
                if self._scanner is None:
                    kwargs: dict[str, Any] = {"bluez": self.options.bluez()}
                    if self.options.scanner_backend is not None:
                        kwargs["backend"] = self.options.scanner_backend
                    self._scanner = BleakScanner(self._on_adv, **kwargs)
                    await self._scanner.start()
            try:
                return await asyncio.wait_for(asyncio.shield(fut), timeout)
            except TimeoutError:
                return None
        finally:
            self._waiters.pop(key, None)
            if not fut.done():
                fut.cancel()
            async with self._lock:
                if not self._waiters and self._scanner is not None:
                    scanner, self._scanner = self._scanner, None
                    with contextlib.suppress(BleakError):
                        await scanner.stop()

    async def close(self) -> None:
        async with self._lock:
            if self._scanner is not None:
                with contextlib.suppress(BleakError):
                    await self._scanner.stop()
                self._scanner = None


class BleSource(Source):
    """Live BLE sensors as a :class:`Source` (see the module docstring)."""

    def __init__(
        self,
        devices: list[BleDevice],
        options: BleOptions | None = None,
        t0: float | None = None,
        profile_dir: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not devices:
            raise ValueError("no devices configured")
        self.devices = devices
        self.options = options or BleOptions()
        self.clock = clock
        self.t0 = clock() if t0 is None else t0
        self.profiles: dict[str, FirmwareProfile] = {
            d.id: find_profile(d.info.profile, profile_dir) for d in devices
        }
        self.stats: dict[str, BleStats] = {d.id: BleStats() for d in devices}
        self._queue: asyncio.Queue[Any] | None = None
        self._stop = asyncio.Event()
        self._claimed: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._watch: asyncio.Task[None] | None = None
        self._scanner = _SharedScanner(self.options)
        self._connect_lock = asyncio.Lock()
        self._reported_drops = 0
        self._last_drop_log = 0.0
        self._drops = False  # set by a callback that dropped a notification
        self.on_dropped: Callable[[int], None] | None = None
        """called with the total of dropped notifications whenever the drops are reported (at
        most every 5 s while they go on): e.g. the MQTT status"""

    @property
    def sensors(self) -> list[SensorInfo]:
        return [d.info for d in self.devices]

    @property
    def dropped(self) -> int:
        return sum(s.dropped for s in self.stats.values())

    def now(self) -> float:
        return round(self.clock() - self.t0, 6)

    # -- the iterator the session consumes

    def _start(self) -> asyncio.Queue[Any]:
        if self._queue is None:
            self._queue = asyncio.Queue(maxsize=self.options.queue_size)
            self._tasks = [
                asyncio.create_task(self._supervise(d), name=f"ble-{d.id}") for d in self.devices
            ]
            self._watch = asyncio.create_task(self._finish_when_done())
        return self._queue

    async def _finish_when_done(self) -> None:
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        for dev, res in zip(self.devices, results, strict=True):
            if isinstance(res, BaseException) and not isinstance(res, asyncio.CancelledError):
                log.error("sensor %s: acquisition failed: %r", dev.id, res)
        await self._scanner.close()
        assert self._queue is not None
        await self._queue.put(_END)

    async def __aiter__(self) -> AsyncIterator[SourceItem]:
        queue = self._start()
        while True:
            item = await queue.get()
            if item is _END:
                return
            self._report_drops()
            yield item

    async def batches(self) -> AsyncIterator[list[SourceItem]]:
        """Everything queued when the consumer wakes up, as one group, in arrival order (see
        :meth:`GaitSession.handle_many`). Nothing waits for more: waiting a few ms to gather
        bigger groups costs a timer wake-up, more than it saves (``tools/bench_daemon.py``)."""
        queue = self._start()
        while True:
            item = await queue.get()
            if item is _END:
                return
            batch = [item]
            end = False
            while queue.qsize():
                item = queue.get_nowait()
                if item is _END:
                    end = True
                    break
                batch.append(item)
            self._report_drops()
            yield batch
            if end:
                return

    def _report_drops(self) -> None:
        if not self._drops:  # the hot path: nothing dropped since the last report
            return
        total = self.dropped
        if total != self._reported_drops and self.clock() - self._last_drop_log > 5.0:
            per = ", ".join(f"{k}: {s.dropped}" for k, s in self.stats.items() if s.dropped)
            log.warning("acquisition queue full: %d notification(s) dropped so far (%s)",
                        total, per)
            if self.on_dropped is not None:
                self.on_dropped(total)
            self._reported_drops = total
            self._last_drop_log = self.clock()
            self._drops = False

    async def stop(self) -> None:
        """Ask every sensor to stop streaming and disconnect; the iterator ends afterwards."""
        self._stop.set()

    async def aclose(self) -> None:
        self._stop.set()
        if self._watch is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._watch), 10.0)
            except TimeoutError:
                for t in self._tasks:
                    t.cancel()

    # -- per-sensor supervisor

    async def _emit(self, sensor: str, kind: ConnectionKind, detail: str = "") -> None:
        assert self._queue is not None
        quiet = kind in ("connected", "reconnected") or detail == "stopped"
        level = logging.INFO if quiet else logging.WARNING
        log.log(level, "sensor %s: %s %s", sensor, kind, detail)
        await self._queue.put(ConnectionChange(self.now(), sensor, kind, detail))

    def _callback(self, sensor: str, char: str) -> Callable[[BleakGATTCharacteristic, bytearray],
                                                             None]:
        queue = self._queue
        assert queue is not None
        put = queue.put_nowait
        clock, t0, st = self.clock, self.t0, self.stats[sensor]

        def on_notify(_sender: BleakGATTCharacteristic, data: bytearray) -> None:
            # microseconds: the recording's resolution, so a replay sees exactly these times
            t = round(clock() - t0, 6)
            try:
                put(Notification(t, sensor, char, bytes(data)))
            except asyncio.QueueFull:
                st.dropped += 1
                self._drops = True

        return on_notify

    def _matcher(self, dev: BleDevice) -> Callable[[BLEDevice, AdvertisementData], bool]:
        profile = self.profiles[dev.id]
        address = dev.info.address.upper() if dev.info.address else None
        st = self.stats[dev.id]

        def match(device: BLEDevice, adv: AdvertisementData) -> bool:
            addr = device.address.upper()
            if address is not None:
                ok = addr == address
            elif addr in self._claimed:
                ok = False
            else:
                ok = advertisement_matches(profile.match, dev.name_pattern, device, adv)
                if ok:
                    self._claimed.add(addr)  # at once: the other foot must not take it too
            if ok:
                st.rssi_dbm = adv.rssi
            return ok

        return match

    async def _sleep_or_stop(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _supervise(self, dev: BleDevice) -> None:
        opts = self.options
        st = self.stats[dev.id]
        profile = self.profiles[dev.id]
        rate = dev.info.rate_hz or profile.default_rate_hz
        backoff = opts.backoff_min_s
        attempts = 0
        while not self._stop.is_set():
            failure = ""
            st.state = "searching"
            try:
                device = await self._scanner.find(self._matcher(dev), opts.scan_timeout_s)
            except (BleakError, OSError) as exc:  # adapter missing, Bluetooth off, no permission
                device, failure = None, f"scan failed: {exc}"
            if self._stop.is_set():
                return
            if failure:
                pass
            elif device is None:
                failure = f"not found within {opts.scan_timeout_s:g} s"
            else:
                try:
                    failure = await self._stream(dev, profile, rate, device, st)
                finally:
                    self._claimed.discard(device.address.upper())
                if failure == "":
                    return  # stopped cleanly
                if failure == "link lost":
                    attempts = 0
                    backoff = opts.backoff_min_s
                    continue  # reconnect at once; back off only if that fails
            st.failures += 1
            attempts += 1
            await self._emit(dev.id, "failed", failure)
            limit = opts.reconnect_attempts if st.connects else opts.initial_attempts
            if limit is not None and attempts >= limit:
                st.state = "gave_up"
                await self._emit(dev.id, "gave_up", f"after {attempts} attempt(s): {failure}")
                return
            await self._sleep_or_stop(backoff * random.uniform(0.8, 1.2))
            backoff = min(backoff * 2, opts.backoff_max_s)

    async def _stream(
        self, dev: BleDevice, profile: FirmwareProfile, rate: float, device: BLEDevice,
        st: BleStats,
    ) -> str:
        """One connection; returns "" when stopped, "link lost", or why it failed."""
        opts = self.options
        lost = asyncio.Event()
        kwargs: dict[str, Any] = {"bluez": opts.bluez(), "timeout": opts.connect_timeout_s}
        if opts.client_backend is not None:
            kwargs["backend"] = opts.client_backend
        client = BleakClient(device, disconnected_callback=lambda _c: lost.set(), **kwargs)
        st.state = "connecting"
        try:
            async with self._connect_lock:
                await asyncio.wait_for(client.connect(), opts.connect_timeout_s)
            for char in profile.gatt.notify:
                await client.start_notify(
                    char, self._callback(dev.id, char),
                    bluez={"use_start_notify": not opts.acquire_notify})
            for cmd in profile.start_sequence(rate):
                await client.write_gatt_char(cmd.char, cmd.payload, response=cmd.response)
                if cmd.delay_s:
                    await asyncio.sleep(cmd.delay_s)
        except (BleakError, TimeoutError, OSError, ValueError) as exc:
            with contextlib.suppress(BleakError, TimeoutError, OSError):
                await asyncio.wait_for(client.disconnect(), 5.0)
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        st.connects += 1
        st.address = device.address
        st.state = "streaming"
        await self._emit(dev.id, "connected" if st.connects == 1 else "reconnected",
                         f"{device.address} {device.name or ''}".strip())
        stop_wait = asyncio.create_task(self._stop.wait())
        lost_wait = asyncio.create_task(lost.wait())
        try:
            await asyncio.wait({stop_wait, lost_wait}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_wait.cancel()
            lost_wait.cancel()
        if lost.is_set():
            st.state = "reconnecting"
            await self._emit(dev.id, "disconnected", "link lost")
            return "link lost"
        # clean stop: the profile's stop commands, unsubscribe, disconnect
        with contextlib.suppress(BleakError, TimeoutError, OSError):
            for cmd in profile.stop:
                await asyncio.wait_for(
                    client.write_gatt_char(cmd.char, cmd.payload, response=cmd.response), 5.0)
            for char in profile.gatt.notify:
                await asyncio.wait_for(client.stop_notify(char), 5.0)
        with contextlib.suppress(BleakError, TimeoutError, OSError):
            await asyncio.wait_for(client.disconnect(), 5.0)
        st.state = "stopped"
        await self._emit(dev.id, "disconnected", "stopped")
        return ""


# --------------------------------------------------------------------------------------------
# scanning for `retrogait scan`


@dataclass
class SeenDevice:
    address: str
    name: str | None
    rssi: int
    profiles: list[str]


async def scan(
    profiles: dict[str, FirmwareProfile],
    timeout_s: float = 5.0,
    options: BleOptions | None = None,
    include_unknown: bool = False,
) -> list[SeenDevice]:
    """Devices advertising nearby, with the profiles whose match rules they fit, by RSSI."""
    opts = options or BleOptions()
    kwargs: dict[str, Any] = {"bluez": opts.bluez()}
    if opts.scanner_backend is not None:
        kwargs["backend"] = opts.scanner_backend
    found = await BleakScanner.discover(timeout_s, return_adv=True, **kwargs)
    out = []
    for device, adv in found.values():
        names = [p.name for p in profiles.values()
                 if advertisement_matches(p.match, None, device, adv)]
        if names or include_unknown:
            out.append(SeenDevice(device.address, adv.local_name or device.name, adv.rssi, names))
    out.sort(key=lambda d: -d.rssi)
    return out
