"""Recordings: the versioned JSON Lines format, its streaming writer and tolerant reader."""

from retrogait.recording.format import FORMAT_NAME, FORMAT_VERSION, Header, SensorInfo
from retrogait.recording.reader import ReadStats, RecordingReader, read_header
from retrogait.recording.writer import RecordingWriter

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Header",
    "ReadStats",
    "RecordingReader",
    "RecordingWriter",
    "SensorInfo",
    "read_header",
]
