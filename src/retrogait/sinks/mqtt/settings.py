"""MQTT connection settings: the ``[mqtt]`` table, broker URLs (parsed, credentials refused and
masked in messages), credentials from the environment, the TLS context and the client id."""

from __future__ import annotations

import os
import re
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from retrogait.errors import ConfigError
from retrogait.sinks.mqtt.topics import SEGMENT_RE

USERNAME_ENV = "RETROGAIT_MQTT_USERNAME"
PASSWORD_ENV = "RETROGAIT_MQTT_PASSWORD"


class MqttSettings(BaseModel):
    """The ``[mqtt]`` table of ``retrogait.toml``.

    Credentials come from here or from ``$RETROGAIT_MQTT_USERNAME`` / ``$RETROGAIT_MQTT_PASSWORD``,
    never from the command line; the password is a secret that never appears in logs or repr.
    """

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        default="mqtt://127.0.0.1:1883",
        description="mqtt://host[:port] or mqtts://host[:port] (TLS, default port 8883)",
    )
    topic_prefix: str = Field(default="retrogait", description="first topic level(s)")
    client_id: str | None = Field(
        default=None, description="MQTT client id; default retrogait-<athlete>-<host>"
    )
    username: str | None = None
    password: SecretStr | None = None
    protocol: Literal["auto", "5", "3.1.1"] = Field(
        default="auto", description="auto: MQTT 5, falling back to 3.1.1 if the broker refuses"
    )
    buffer_events: int = Field(
        default=10000, ge=1, description="events kept while the broker is away; older are dropped"
    )
    keepalive_s: int = Field(default=15, ge=5, description="MQTT keepalive, s")
    timeout_s: float = Field(default=5.0, gt=0, description="per-operation timeout, s")
    backoff_min_s: float = Field(default=0.5, gt=0, description="first reconnect delay, s")
    backoff_max_s: float = Field(default=30.0, gt=0, description="longest reconnect delay, s")
    close_timeout_s: float = Field(
        default=10.0, ge=0, description="at shutdown, how long to try to deliver the buffer, s"
    )
    tls_ca_file: Path | None = Field(default=None, description="CA bundle for mqtts://")
    tls_cert_file: Path | None = Field(default=None, description="client certificate (mTLS)")
    tls_key_file: Path | None = Field(default=None, description="client key (mTLS)")
    tls_insecure: bool = Field(default=False, description="skip hostname verification (testing)")
    ha_discovery: bool = Field(
        default=False,
        description="announce Home Assistant MQTT discovery configs (retained), again whenever "
        "HA publishes online on <ha_discovery_prefix>/status",
    )
    ha_discovery_prefix: str = Field(
        default="homeassistant", description="Home Assistant's discovery prefix"
    )

    @field_validator("topic_prefix", "ha_discovery_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        v = v.strip("/")
        if not v or any(not SEGMENT_RE.match(s) for s in v.split("/")):
            raise ValueError(f"topic prefix {v!r}: levels of letters, digits, '_', '-', '.' only")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        try:
            parse_broker_url(v)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _tls_files(self) -> MqttSettings:
        """TLS files must exist and load now, not fail in the publisher task later."""
        for name in ("tls_ca_file", "tls_cert_file", "tls_key_file"):
            path = getattr(self, name)
            if path is not None and not Path(path).expanduser().is_file():
                raise ValueError(f"{name} {str(path)!r}: no such file")
        if self.tls_key_file is not None and self.tls_cert_file is None:
            raise ValueError("tls_key_file needs tls_cert_file (the client certificate)")
        if any((self.tls_ca_file, self.tls_cert_file)):
            try:
                tls_context(self)
            except (ssl.SSLError, OSError, ValueError) as exc:
                raise ValueError(f"TLS files cannot be loaded: {exc}") from None
        return self

    def credentials(self) -> tuple[str | None, str | None]:
        """(username, password) from the config, else from the environment."""
        user = self.username or os.environ.get(USERNAME_ENV) or None
        pw = self.password.get_secret_value() if self.password else os.environ.get(PASSWORD_ENV)
        return user, (pw or None)


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool


def mask_url(url: str) -> str:
    """``url`` with any password (and user name) in it replaced by ``***``, for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return f"{scheme}://{netloc}{slash}{path}"


def parse_broker_url(url: str) -> BrokerAddress:
    """``mqtt://host[:port]`` / ``mqtts://host[:port]``; credentials in the URL are refused.
    Error messages never repeat a password given in the URL."""
    shown = mask_url(url)
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced '[' of an IPv6 address
        raise ConfigError(f"broker URL {shown!r}: {exc}") from None
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ConfigError(
            f"broker URL {shown!r}: use mqtt://host[:port] or mqtts://host[:port]"
        )
    if "@" in parts.netloc:
        raise ConfigError(
            f"broker URL {shown!r}: do not put credentials in the URL; set [mqtt] "
            f"username/password in the config file or ${USERNAME_ENV} / ${PASSWORD_ENV}"
        )
    if not parts.hostname:
        raise ConfigError(f"broker URL {shown!r}: no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"broker URL {shown!r}: a broker URL has no path, query or fragment")
    tls = parts.scheme in ("mqtts", "ssl")
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise ConfigError(f"broker URL {shown!r}: port must be a number from 1 to 65535") from None
    return BrokerAddress(parts.hostname, port, tls)


def default_client_id(athlete: str, role: str = "") -> str:
    """``retrogait-<athlete>-<host>``: unique per athlete and machine (one daemon per runner)."""
    host = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())[:32]
    return "-".join(p for p in ("retrogait", role, athlete, host) if p)



def tls_context(settings: MqttSettings) -> ssl.SSLContext:
    """The TLS context of ``mqtts://``: the CA bundle (else the system's), the client certificate
    for mutual TLS, hostname checks off only with ``tls_insecure``."""
    ca = settings.tls_ca_file
    ctx = ssl.create_default_context(cafile=str(ca.expanduser()) if ca else None)
    if settings.tls_cert_file:
        key = settings.tls_key_file
        ctx.load_cert_chain(
            str(settings.tls_cert_file.expanduser()), str(key.expanduser()) if key else None,
        )
    if settings.tls_insecure:
        ctx.check_hostname = False
    return ctx


def settings_for_url(url: str, base: MqttSettings | None = None, **overrides: Any) -> MqttSettings:
    """Settings with ``url`` (and overrides) replaced; ``embedded`` forces MQTT 3.1.1. A bad
    value is a one-line :class:`ConfigError` that never repeats a password."""
    parse_broker_url(url)
    data = (base or MqttSettings()).model_dump()
    data["url"] = url
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return MqttSettings.model_validate(data)
    except ValidationError as exc:
        parts = [f"{'.'.join(map(str, e['loc'])) or 'mqtt'}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("MQTT settings: " + "; ".join(parts)) from None
