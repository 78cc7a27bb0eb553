"""Emulated BLE sensors behind bleak's own ``BleakScanner`` / ``BleakClient``.

The test double sits only at the OS boundary: :class:`EmulatedWorld` provides bleak *backend*
classes (subclasses of ``BaseBleakScanner`` / ``BaseBleakClient``, passed as ``backend=``), so
the whole bleak front end and :class:`~retrogait.sources.ble.BleSource` run unchanged. Each
:class:`EmulatedDevice` advertises like its firmware profile says, exposes the profile's GATT
service, starts streaming when the profile's start command is written, stops on the stop command,
and sends notification bytes from a recording (or any packet list) with their original timing.

Faults for tests and demos: :meth:`EmulatedWorld.drop` cuts a link (the device is out of range
for a while, packets sent meanwhile are lost), a device may send garbage, and a configured
device may simply not exist.

By default the devices' packet timing runs in the daemon's own event loop (one timer per packet).
:class:`PacketFeeder` moves it to a child process instead, which sends every notification as one
datagram on a socket per characteristic, read in the daemon with ``loop.add_reader`` exactly as
bleak's BlueZ backend reads an ``AcquireNotify`` socket: the daemon then pays only what it pays
with real sensors (benchmarks, ``retrogait run --emulate REC --emulate-process``).

Over 400 lines: the emulated BLE stack (device, bleak scanner and client backends, the packet
feeder process) is one fake whose parts must agree with each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError

from retrogait.profiles import FirmwareProfile, find_profile
from retrogait.recording.format import IMPORTED_PROFILE
from retrogait.recording.reader import RecordingReader
from retrogait.sources.base import Notification


@dataclass
class EmulatedDevice:
    """One sensor in the air. ``packets``: (t s since power-on, characteristic, payload)."""

    address: str
    name: str | None
    profile: FirmwareProfile
    packets: list[tuple[float, str, bytes]]
    rssi: int = -60
    speed: float = 1.0
    present: bool = True
    writes: list[tuple[str, bytes]] = field(default_factory=list)
    notify_args: dict[str, dict[str, Any]] = field(default_factory=dict)
    """the backend-specific arguments of the last ``start_notify`` per characteristic"""
    sent: int = 0
    _client: EmulatedBleakClient | None = None
    _subs: dict[str, NotifyCallback] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _started_wall: float | None = None
    _pos: int = 0
    _return: asyncio.TimerHandle | None = None
    _feed: tuple[PacketFeeder, int] | None = None  # (feeder process, device index) or in-loop
    _readers: list[int] = field(default_factory=list)

    @property
    def advertising(self) -> bool:
        return self.present and self._client is None

    def advertisement(self) -> AdvertisementData:
        uuids = list(self.profile.match.service_uuids) or [self.profile.gatt.service]
        mfr = {self.profile.match.manufacturer_id: b"\x00"} if (
            self.profile.match.manufacturer_id is not None) else {}
        return AdvertisementData(
            local_name=self.name, manufacturer_data=mfr, service_data={},
            service_uuids=uuids, tx_power=None, rssi=self.rssi, platform_data=(),
        )

    # -- GATT server side

    def services(self) -> BleakGATTServiceCollection:
        g = self.profile.gatt
        coll = BleakGATTServiceCollection()
        svc = BleakGATTService(None, 1, g.service)
        coll.add_service(svc)
        handle = 2
        chars: dict[str, list[str]] = {}
        for u in g.notify:
            chars.setdefault(u, []).extend(["read", "notify"])
        if g.write:
            chars.setdefault(g.write, []).extend(["write", "write-without-response"])
        for cmd in [*self.profile.start, *self.profile.stop]:
            chars.setdefault(cmd.char, ["write", "write-without-response"])
        for u, props in chars.items():
            coll.add_characteristic(
                BleakGATTCharacteristic(None, handle, u, props, lambda: 244, svc)  # type: ignore[arg-type]
            )
            handle += 2
        return coll

    def _is_start(self, data: bytes) -> bool:
        starts = list(self.profile.start)
        for cmds in self.profile.start_by_rate.values():
            starts.extend(cmds)
        return any(c.payload == data for c in starts)

    def on_write(self, char: str, data: bytes) -> None:
        self.writes.append((char, data))
        if any(c.payload == data and c.char == char for c in self.profile.stop):
            self._stop_stream()
        elif self._is_start(data):
            self._start_stream()

    def subscribe(self, char: str, callback: NotifyCallback) -> None:
        self._subs[char] = callback
        if self._feed is not None:
            feeder, index = self._feed
            fd = feeder.fd(index, char)
            if fd is not None:
                self._readers.append(fd)
                _add_notify_reader(fd, callback)
        has_start = bool(self.profile.start) or bool(self.profile.start_by_rate)
        if not has_start:
            self._start_stream()  # e.g. RSC: notifications flow once subscribed

    def _start_stream(self) -> None:
        if self._feed is not None:
            self._feed[0].command("start", self._feed[1])
        elif self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._stream())

    def _stop_stream(self) -> None:
        if self._feed is not None:
            self._feed[0].command("stop", self._feed[1])
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _stream(self) -> None:
        loop = asyncio.get_running_loop()
        if self._started_wall is None:
            self._started_wall = loop.time() - (self.packets[0][0] / self.speed if
                                                self.packets else 0.0)
        # the sensor kept sampling while nobody listened: resume at "now"
        elapsed = (loop.time() - self._started_wall) * self.speed
        while self._pos < len(self.packets) and self.packets[self._pos][0] < elapsed - 0.05:
            self._pos += 1
        while self._pos < len(self.packets):
            t, char, payload = self.packets[self._pos]
            delay = self._started_wall + t / self.speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            cb = self._subs.get(char)
            if cb is not None:
                cb(bytearray(payload))
                self.sent += 1
            self._pos += 1

    def attach(self, client: EmulatedBleakClient) -> None:
        self._client = client

    def detach(self) -> None:
        self._stop_stream()
        self._subs.clear()
        self._remove_readers()
        self._client = None

    def unsubscribe(self, char: str) -> None:
        self._subs.pop(char, None)
        if self._feed is not None:
            fd = self._feed[0].fd(self._feed[1], char)
            if fd in self._readers:
                self._readers.remove(fd)
                asyncio.get_running_loop().remove_reader(fd)

    def _remove_readers(self) -> None:
        loop = asyncio.get_running_loop()
        for fd in self._readers:
            loop.remove_reader(fd)
        self._readers.clear()


def _add_notify_reader(fd: int, callback: NotifyCallback) -> None:
    """As bleak's BlueZ backend reads an AcquireNotify socket: one datagram per notification."""
    with contextlib.suppress(BlockingIOError):  # drop what is left from a previous subscription
        while True:
            os.read(fd, 1024)

    def on_data() -> None:
        try:
            data = os.read(fd, 1024)
        except BlockingIOError:
            return
        callback(bytearray(data))

    asyncio.get_running_loop().add_reader(fd, on_data)


class EmulatedWorld:
    """The air around the host: emulated devices and the bleak backends that reach them."""

    def __init__(
        self,
        devices: Iterable[EmulatedDevice] = (),
        adapters: Iterable[str] = ("hci0",),
        adv_interval_s: float = 0.1,
        connect_delay_s: float = 0.05,
    ) -> None:
        self.devices: dict[str, EmulatedDevice] = {d.address.upper(): d for d in devices}
        self.adapters = set(adapters)
        self.adv_interval_s = adv_interval_s
        self.connect_delay_s = connect_delay_s
        self.connects = 0

    def add(self, device: EmulatedDevice) -> EmulatedDevice:
        self.devices[device.address.upper()] = device
        return device

    def check_adapter(self, bluez: dict[str, Any] | None) -> None:
        adapter = (bluez or {}).get("adapter")
        if adapter is not None and adapter not in self.adapters:
            raise BleakError(f"adapter '{adapter}' not found")

    def drop(self, address: str, away_s: float) -> None:
        """Cut the link now (supervision timeout): the device is out of range for ``away_s``."""
        dev = self.devices[address.upper()]
        client = dev._client
        dev.detach()
        dev.present = False
        loop = asyncio.get_running_loop()
        dev._return = loop.call_later(away_s, setattr, dev, "present", True)
        if client is not None:
            client._lost()

    def scanner_backend(self) -> type[EmulatedBleakScanner]:
        return type("EmulatedBleakScanner", (EmulatedBleakScanner,), {"world": self})

    def client_backend(self) -> type[EmulatedBleakClient]:
        return type("EmulatedBleakClient", (EmulatedBleakClient,), {"world": self})


class EmulatedBleakScanner(BaseBleakScanner):
    """``BaseBleakScanner`` backend: advertisements of the world's present, unconnected devices."""

    world: EmulatedWorld

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._bluez = kwargs.get("bluez") or {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.world.check_adapter(self._bluez)
        self.seen_devices = {}
        self._task = asyncio.get_running_loop().create_task(self._advertise())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _advertise(self) -> None:
        while True:
            for dev in list(self.world.devices.values()):
                if not dev.advertising:
                    continue
                adv = dev.advertisement()
                if not self.is_allowed_uuid(adv.service_uuids):
                    continue
                device = self.create_or_update_device(dev.address, dev.address, dev.name, dev, adv)
                self.call_detection_callbacks(device, adv)
            await asyncio.sleep(self.world.adv_interval_s)


class EmulatedBleakClient(BaseBleakClient):
    """``BaseBleakClient`` backend talking to an :class:`EmulatedDevice`."""

    world: EmulatedWorld

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.pop("disconnected_callback", None),
            timeout=kwargs.pop("timeout", 10.0),
        )
        self._bluez = kwargs.get("bluez") or {}
        self._device: EmulatedDevice | None = None

    @property
    def name(self) -> str:
        return (self._device.name if self._device else None) or self.address

    @property
    def mtu_size(self) -> int:
        return 247

    @property
    def is_connected(self) -> bool:
        return self._device is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        self.world.check_adapter(self._bluez)
        await asyncio.sleep(self.world.connect_delay_s)
        dev = self.world.devices.get(self.address.upper())
        if dev is None or not dev.advertising:
            raise BleakDeviceNotFoundError(self.address, f"Device with address {self.address} "
                                           "was not found")
        dev.attach(self)
        self._device = dev
        self.services = dev.services()
        self.world.connects += 1

    def _lost(self) -> None:
        self._device = None
        self.services = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        if self._device is not None:
            self._device.detach()
            self._device = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def unpair(self) -> None:
        return None

    def _dev(self) -> EmulatedDevice:
        if self._device is None:
            raise BleakError("Not connected")
        return self._device

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        self._dev()
        return bytearray()

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        self._dev()
        return bytearray()

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        self._dev().on_write(characteristic.uuid, bytes(data))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        raise ValueError("write the CCCD through start_notify/stop_notify")

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        dev = self._dev()
        dev.notify_args[characteristic.uuid] = dict(kwargs)
        dev.subscribe(characteristic.uuid, callback)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._dev().unsubscribe(characteristic.uuid)


def emulated_address(index: int) -> str:
    return f"EE:00:00:00:00:{index + 1:02X}"


def devices_from_recording(
    path: str | Path,
    speed: float = 1.0,
    profile_dir: str | Path | None = None,
    name_for: Callable[[str, FirmwareProfile], str] | None = None,
) -> list[EmulatedDevice]:
    """One emulated device per sensor of a recording that has raw notifications; the device
    sends the recorded bytes at the recorded times (seconds since the session start)."""
    reader = RecordingReader(path)
    per: dict[str, list[tuple[float, str, bytes]]] = {s.id: [] for s in reader.header.sensors}
    for item in reader:
        if isinstance(item, Notification):
            per[item.sensor].append((item.t, item.char, item.payload))
    out = []
    for k, info in enumerate(reader.header.sensors):
        if info.profile == IMPORTED_PROFILE or not per[info.id]:
            continue
        profile = find_profile(info.profile, profile_dir)
        name = info.name or (name_for(info.id, profile) if name_for else f"{info.id}")
        out.append(EmulatedDevice(
            address=info.address or emulated_address(k), name=name, profile=profile,
            packets=per[info.id], speed=speed,
        ))
    return out


# --------------------------------------------------------------------------------------------
# packet timing in a child process (benchmarks)


class PacketFeeder:
    """The packet timing of emulated devices in a child process (``python -m
    retrogait.sources.emulated``). Each (device, characteristic) gets a ``SOCK_SEQPACKET``
    socket pair: the child sends each notification as one datagram at its recorded time, the
    daemon side reads it with ``add_reader`` (:func:`_add_notify_reader`). Start and stop
    commands go over a control socket, so a device streams only while the daemon has it started
    (and resumes "now" after a drop-out, as :meth:`EmulatedDevice._stream` does)."""

    def __init__(self, recording: str | Path, devices: list[EmulatedDevice],
                 speed: float = 1.0) -> None:
        self.devices = devices
        self._fds: dict[tuple[int, str], int] = {}
        child_fds: list[int] = []
        spec = []
        keep: list[socket.socket] = []
        for k, dev in enumerate(devices):
            for char in sorted({c for _, c, _ in dev.packets}):
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                ours.setblocking(False)
                self._fds[(k, char)] = ours.detach()
                child_fds.append(theirs.fileno())
                spec.append(f"{k},{char},{theirs.fileno()}")
                keep.append(theirs)
            dev._feed = (self, k)
        self._ctrl, ctrl_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        keep.append(ctrl_child)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "retrogait.sources.emulated", str(recording), str(speed),
             str(ctrl_child.fileno()), *spec],
            pass_fds=[*child_fds, ctrl_child.fileno()],
        )
        for sock in keep:
            sock.close()

    def fd(self, index: int, char: str) -> int | None:
        return self._fds.get((index, char))

    def command(self, what: str, index: int) -> None:
        with contextlib.suppress(OSError):
            self._ctrl.sendall(f"{what} {index}\n".encode())

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._ctrl.sendall(b"quit\n")
        self._ctrl.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()


def _feeder_main(argv: list[str]) -> None:
    """Child process of :class:`PacketFeeder`: RECORDING SPEED CTRL_FD K,CHAR,FD..."""
    recording, speed, ctrl_fd = argv[0], float(argv[1]), int(argv[2])
    devices = devices_from_recording(recording, speed=speed)
    socks: dict[tuple[int, str], socket.socket] = {}
    for item in argv[3:]:
        index, char, fd = item.split(",")
        socks[(int(index), char)] = socket.socket(fileno=int(fd))
    ctrl = socket.socket(fileno=ctrl_fd)
    started: dict[int, float] = {}  # device -> wall time of its t = 0 (monotonic s)
    active: set[int] = set()
    pos = [0] * len(devices)
    pending = b""
    while True:
        now = time.monotonic()
        due = [started[k] + devices[k].packets[pos[k]][0] / speed for k in active
               if pos[k] < len(devices[k].packets)]
        timeout = max(0.0, min(due) - now) if due else None
        readable, _, _ = select.select([ctrl], [], [], timeout)
        if readable:
            data = ctrl.recv(4096)
            if not data:
                return
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                cmd, _, arg = line.decode().partition(" ")
                if cmd == "quit":
                    return
                k = int(arg)
                if cmd == "stop":
                    active.discard(k)
                elif cmd == "start":
                    pk = devices[k].packets
                    if k not in started:
                        started[k] = time.monotonic() - (pk[0][0] / speed if pk else 0.0)
                    elapsed = (time.monotonic() - started[k]) * speed
                    while pos[k] < len(pk) and pk[pos[k]][0] < elapsed - 0.05:
                        pos[k] += 1  # the sensor kept sampling while nobody listened
                    active.add(k)
        now = time.monotonic()
        for k in list(active):
            pk = devices[k].packets
            while pos[k] < len(pk) and started[k] + pk[pos[k]][0] / speed <= now:
                _, char, payload = pk[pos[k]]
                with contextlib.suppress(BlockingIOError, ConnectionError):
                    socks[(k, char)].send(payload)
                pos[k] += 1


if __name__ == "__main__":
    _feeder_main(sys.argv[1:])
