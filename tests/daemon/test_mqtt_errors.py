"""MQTT errors that say what happened, against real Mosquitto brokers:
one with ``allow_anonymous false`` and a password file (``mosquitto_passwd``), one with a TLS
listener whose certificate is signed by a CA made here with ``openssl``."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt
import pytest
from tests.broker import Broker, free_port, wait_port

from retrogait.daemon.config import load_config
from retrogait.errors import ConfigError
from retrogait.events import CadenceEvent
from retrogait.sinks.mqtt import MqttSettings, MqttSink, describe_error, settings_for_url

CLI = [sys.executable, "-m", "retrogait"]
MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)


@dataclass
class SecureBroker:
    url: str
    ca: Path
    proc: subprocess.Popen[bytes]


def _need(tool: str | None, name: str) -> str:
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI requires {name}")
        pytest.skip(f"{name} not installed")
    return tool


def _start(conf_lines: list[str], workdir: Path, tls: bool = False) -> tuple[int,
                                                                              subprocess.Popen[bytes]]:
    mosq = _need(MOSQUITTO, "mosquitto")
    port = free_port()
    lines = [f"listener {port} 127.0.0.1", *conf_lines, "persistence false"]
    if os.geteuid() == 0:
        lines.append("user root")
    conf = workdir / f"mosquitto-{port}.conf"
    conf.write_text("\n".join(lines) + "\n")
    log = open(workdir / f"broker-{port}.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen([mosq, "-c", str(conf)], stdout=log, stderr=log)
    log.close()
    wait_port(port)
    return port, proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="module")
def auth_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    """Mosquitto refusing anonymous clients; one user ``runner`` / ``right-pass``."""
    d = tmp_path_factory.mktemp("auth")
    pw = d / "passwd"
    tool = _need(shutil.which("mosquitto_passwd"), "mosquitto_passwd")
    subprocess.run([tool, "-b", "-c", str(pw), "runner", "right-pass"], check=True,
                   capture_output=True, timeout=30)
    port, proc = _start(["allow_anonymous false", f"password_file {pw}"], d)
    yield SecureBroker(f"mqtt://127.0.0.1:{port}", Path(), proc)
    _stop(proc)


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    """Mosquitto with a TLS listener; its certificate (SAN IP 127.0.0.1) signed by a CA made
    here."""
    d = tmp_path_factory.mktemp("tls")
    ossl = _need(shutil.which("openssl"), "openssl")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run([ossl, *args], check=True, capture_output=True, timeout=60, cwd=d)

    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=retrogait test CA")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
    port, proc = _start([f"cafile {d / 'ca.crt'}", f"certfile {d / 'server.crt'}",
                         f"keyfile {d / 'server.key'}", "allow_anonymous true"], d, tls=True)
    yield SecureBroker(f"mqtts://127.0.0.1:{port}", d / "ca.crt", proc)
    _stop(proc)


EVENTS = [CadenceEvent(t_s=i, emitted_at_s=i, steps_per_min=170, window_s=10, steps_in_window=28,
                       backward_share=1.0) for i in range(5)]


async def _publish(settings: MqttSettings, wait_s: float = 1.2) -> MqttSink:
    """Five events through a sink that tries for ``wait_s`` and gives up 0.3 s after closing."""
    sink = MqttSink(settings, "errs")
    await sink.start()
    for e in EVENTS:
        await sink.emit(e)
    await asyncio.sleep(wait_s)
    await sink.close()
    return sink


def _fast(url: str, **kw: object) -> MqttSettings:
    return MqttSettings.model_validate({"url": url, "backoff_min_s": 0.2, "backoff_max_s": 0.4,
                                        "close_timeout_s": 0.3, "timeout_s": 2.0, **kw})


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "retrogait.sinks.mqtt" and r.levelno == logging.WARNING]


async def test_wrong_password_says_so_at_every_attempt_and_at_the_end(
    auth_broker: SecureBroker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "retrogait.sinks.mqtt")
    sink = await _publish(_fast(auth_broker.url, username="runner", password="wrong"))
    retries = [m for m in _warnings(caplog) if "retrying" in m]
    assert len(retries) >= 2, caplog.text  # every failed attempt at WARNING, not DEBUG
    assert all("refused the login" in m for m in retries), retries
    assert sink.stats.connects == 0 and sink.stats.published == 0
    problem = sink.delivery_problem()
    assert problem is not None and "5 event(s) not delivered" in problem
    assert "never reached" in problem and "refused the login" in problem
    assert "overflowed" not in problem and "wrong" not in problem


async def test_no_password_on_a_closed_broker_is_not_authorised(
    auth_broker: SecureBroker, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RETROGAIT_MQTT_USERNAME", raising=False)
    monkeypatch.delenv("RETROGAIT_MQTT_PASSWORD", raising=False)
    sink = await _publish(_fast(auth_broker.url))
    assert sink.stats.connects == 0
    assert "refused the login: not authorised" in (sink.delivery_problem() or "")


async def test_right_password_delivers_everything(auth_broker: SecureBroker) -> None:
    sink = await _publish(_fast(auth_broker.url, username="runner", password="right-pass"),
                          wait_s=0.5)
    assert sink.stats.published == len(EVENTS) and sink.delivery_problem() is None


async def test_untrusted_certificate_is_named(
    tls_broker: SecureBroker, caplog: pytest.LogCaptureFixture
) -> None:
    sink = await _publish(_fast(tls_broker.url))
    problem = sink.delivery_problem() or ""
    assert "certificate is not trusted" in problem and "tls_ca_file" in problem, problem
    assert any("certificate is not trusted" in m for m in _warnings(caplog))


async def test_own_ca_is_trusted_and_delivers(tls_broker: SecureBroker) -> None:
    sink = await _publish(_fast(tls_broker.url, tls_ca_file=tls_broker.ca), wait_s=0.5)
    assert sink.stats.published == len(EVENTS) and sink.delivery_problem() is None


async def test_plain_client_on_a_tls_port_and_tls_on_a_plain_port(
    tls_broker: SecureBroker, auth_broker: SecureBroker
) -> None:
    plain_on_tls = tls_broker.url.replace("mqtts://", "mqtt://")
    sink = await _publish(_fast(plain_on_tls, protocol="5", timeout_s=0.5), wait_s=1.5)
    problem = sink.delivery_problem() or ""
    assert sink.stats.connects == 0 and "never reached" in problem
    assert "TLS/plain mismatch" in problem, problem
    tls_on_plain = auth_broker.url.replace("mqtt://", "mqtts://")
    sink = await _publish(_fast(tls_on_plain, tls_ca_file=tls_broker.ca))
    assert "TLS/plain mismatch" in (sink.delivery_problem() or "")


def test_causes_in_words() -> None:
    """The causes a broker cannot easily be made to produce here (DNS needs a resolver)."""
    def wrapped(cause: BaseException) -> aiomqtt.MqttError:
        try:
            try:
                raise cause
            except OSError as exc:
                raise aiomqtt.MqttError(str(exc)) from None
        except aiomqtt.MqttError as err:
            return err

    assert "host name not found (DNS" in describe_error(
        wrapped(socket.gaierror(socket.EAI_NONAME, "Name or service not known")))
    assert "connection refused" in describe_error(wrapped(ConnectionRefusedError(111, "x")))
    assert "timed out" in describe_error(wrapped(TimeoutError("timed out")))
    assert "TLS handshake failed" in describe_error(wrapped(ssl.SSLError(1, "wrong version")))


# ------------------------------------------------------------------ configuration at load


@pytest.mark.parametrize(
    ("url", "shown", "words"),
    [
        ("http://broker.example", "http://broker.example", "use mqtt://"),
        ("mqtt://broker.example:99999", "mqtt://broker.example:99999", "port must be a number"),
        ("mqtt://ana:s3cr3t-pw@broker.example", "mqtt://***@broker.example", "credentials"),
    ],
)
def test_bad_mqtt_url_on_the_command_line_is_one_line_without_the_password(
    small_recording: Path, url: str, shown: str, words: str
) -> None:
    r = subprocess.run([*CLI, "replay", str(small_recording), "--speed", "max", "--quiet",
                        "--mqtt", url], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("retrogait: error:"), r.stderr
    assert shown in lines[0] and words in lines[0]
    assert "s3cr3t" not in r.stderr + r.stdout


def test_bad_mqtt_url_in_python_is_a_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError) as info:
        settings_for_url("mqtts://u:topsecret@h:1")
    assert "topsecret" not in str(info.value) and "***@h:1" in str(info.value)


def _config(tmp_path: Path, mqtt: str, devices: str = "") -> Path:
    p = tmp_path / "retrogait.toml"
    p.write_text(f'athlete = "ana"\n{devices}\n[mqtt]\n{mqtt}\n')
    return p


@pytest.mark.parametrize(
    ("mqtt", "words"),
    [
        ('url = "mqtts://127.0.0.1:8883"\ntls_ca_file = "/nonexistent/ca.pem"',
         "tls_ca_file '/nonexistent/ca.pem': no such file"),
        ('url = "mqtts://127.0.0.1:8883"\ntls_ca_file = "{garbage}"', "TLS files cannot be loaded"),
        ('url = "mqtts://127.0.0.1:8883"\ntls_key_file = "{garbage}"', "needs tls_cert_file"),
        ('url = "mqtt://ana:hunter22@127.0.0.1"', "mqtt://***@127.0.0.1"),
    ],
)
def test_mqtt_config_is_checked_when_it_loads(tmp_path: Path, mqtt: str, words: str) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    cfg = _config(tmp_path, mqtt.replace("{garbage}", str(garbage)))
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert words in str(info.value) and "hunter22" not in str(info.value)


def test_bad_device_name_regex_is_refused_at_load(tmp_path: Path) -> None:
    cfg = tmp_path / "retrogait.toml"
    cfg.write_text('athlete = "ana"\n[[devices]]\nid = "left"\nprofile = "retrogait-imu"\n'
                   'placement = "left_foot"\nname = "RG-IMU (L"\n')
    with pytest.raises(ConfigError, match=r"devices\.0\.name: .*not a valid regular expression"):
        load_config(cfg)


# ------------------------------------------------------------------ the CLI at the end


def test_replay_to_a_broker_that_is_not_there_says_why_and_exits_1(
    small_recording: Path
) -> None:
    """No broker at all: a warning at the first failed connect naming the cause, the true
    cause at the end (not "outage buffer overflowed"), exit code 1."""
    port = free_port()
    r = subprocess.run([*CLI, "replay", str(small_recording), "--speed", "max", "--quiet",
                        "--mqtt", f"mqtt://127.0.0.1:{port}"],
                       capture_output=True, text=True, timeout=90)
    assert r.returncode == 1, r.stderr
    # the first failed connect's warning (a replay at --speed max may reach its end, and the
    # end's "waiting to deliver" warning, before that first attempt has failed)
    first = next(line for line in r.stderr.splitlines() if "attempt 1" in line)
    assert "WARNING" in first and "connection refused" in first
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("retrogait: error: MQTT:") and "not delivered" in last
    assert "never reached: connection refused" in last and "overflowed" not in r.stderr
    assert "session " in r.stdout  # the summary is still printed


def test_healthy_fast_replay_has_no_pending_publish_warnings(
    broker: Broker, simulated_recording: Path
) -> None:
    r = subprocess.run([*CLI, "replay", str(simulated_recording), "--speed", "max", "--quiet",
                        "--mqtt", broker.url, "--athlete", "quiet-pub"],
                       capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, r.stderr
    assert "pending publish calls" not in r.stderr and "WARNING" not in r.stderr, r.stderr


async def test_sigterm_stops_a_replay_cleanly(broker: Broker, small_recording: Path,
                                              tmp_path: Path) -> None:
    """SIGTERM: the summary is printed, the events file is complete, and the retained status
    says offline / stopped (not the last will's "connection lost")."""
    import json
    import signal

    from retrogait.sinks.mqtt import DaemonStatus

    events = tmp_path / "ev.jsonl"
    async with aiomqtt.Client("127.0.0.1", broker.port) as watch:
        await watch.subscribe("retrogait/sigterm/status", qos=1)
        proc = await asyncio.create_subprocess_exec(
            *CLI, "replay", str(small_recording), "--quiet", "--mqtt", broker.url,
            "--athlete", "sigterm", "--events", str(events),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        async def online() -> None:
            async for m in watch.messages:
                if DaemonStatus.model_validate_json(
                        bytes(m.payload)).state == "online":  # type: ignore[arg-type]
                    return

        # started and connected (its signal handlers are installed before it connects),
        # replaying at real time (20 s recording): however loaded the machine is
        await asyncio.wait_for(online(), 60)
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert "replay stopped (SIGTERM)" in err.decode() and "session " in out.decode()
    assert all(json.loads(line)["kind"] for line in events.read_text().splitlines())
    async with aiomqtt.Client("127.0.0.1", broker.port) as sub:
        await sub.subscribe("retrogait/sigterm/status", qos=1)
        async for m in sub.messages:
            status = DaemonStatus.model_validate_json(bytes(m.payload))  # type: ignore[arg-type]
            break
    assert status.state == "offline" and status.reason == "stopped"
