"""An embedded MQTT broker (optional extra: pip install 'retrogait[embedded]')."""

from __future__ import annotations

import logging
from typing import Any, Self

from retrogait.errors import ConfigError

log = logging.getLogger("retrogait.sinks.mqtt")


class EmbeddedBroker:
    """An in-process amqtt broker on loopback (MQTT 3.1.1 only), for a laptop without a broker."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1883) -> None:
        self.host = host
        self.port = port
        self._broker: Any = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    async def start(self) -> None:
        try:
            from amqtt.broker import Broker
        except ImportError:
            raise ConfigError(
                "--mqtt embedded needs the optional extra: pip install 'retrogait[embedded]'"
            ) from None
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {
                "allow_anonymous": True}},
        }
        self._broker = Broker(config)
        try:
            await self._broker.start()
        except Exception as exc:
            raise ConfigError(
                f"embedded MQTT broker could not listen on {self.host}:{self.port}: {exc}"
            ) from None
        log.warning("embedded MQTT broker (amqtt, MQTT 3.1.1) listening on %s", self.url)

    async def stop(self) -> None:
        if self._broker is not None:
            await self._broker.shutdown()
            self._broker = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
