"""Sinks: where events go (console, JSON Lines file, MQTT)."""

from retrogait.sink import Sink
from retrogait.sinks.console import ConsoleSink
from retrogait.sinks.jsonl import JsonlSink

__all__ = ["ConsoleSink", "JsonlSink", "Sink"]
