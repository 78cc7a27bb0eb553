#!/usr/bin/env python3
"""Generate the MQTT and daemon reference sections from the code (models and routing table).

    python tools/gen_mqtt_docs.py          # rewrite the generated parts of docs/mqtt.md, daemon.md
    python tools/gen_mqtt_docs.py --check  # exit 1 if they are out of date

Same markers and table format as ``tools/gen_docs.py`` (whose helpers it reuses).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_docs import DOCS, render, splice, write_or_check


def topic_table() -> str:
    from retrogait.events import EVENT_ADAPTER
    from retrogait.sinks.mqtt import ALERT_ROUTE, ROUTES, SESSION_ROUTE, STATUS_ROUTE

    schema = EVENT_ADAPTER.json_schema()
    model_of = {}
    for name, d in schema.get("$defs", {}).items():
        kind = d.get("properties", {}).get("kind", {}).get("const")
        if kind:
            model_of[kind] = name
    rows = ["| topic (`P` prefix, `A` athlete, `S` sensor) | payload | QoS | retain | "
            "MQTT 5 expiry | why |", "|---|---|---|---|---|---|"]
    rows.append(f"| `P/A/{STATUS_ROUTE.leaf}` | `DaemonStatus` (last will: offline) | "
                f"{STATUS_ROUTE.qos} | yes | – | {STATUS_ROUTE.why} |")
    rows.append(f"| `P/A/{SESSION_ROUTE.leaf}` | `SessionSummary` (docs/insights.md) | "
                f"{SESSION_ROUTE.qos} | yes | – | {SESSION_ROUTE.why} |")
    rows.append(f"| `P/A/{ALERT_ROUTE.leaf}` | `FallEvent`, or empty after `RecoveredEvent` | "
                f"{ALERT_ROUTE.qos} | yes | – | {ALERT_ROUTE.why} |")
    for kind, r in ROUTES.items():
        topic = f"P/A/S/{r.leaf}" if r.per_sensor else f"P/A/{r.leaf}"
        expiry = f"{r.expiry_s} s" if r.expiry_s else "–"
        rows.append(f"| `{topic}` | `{model_of.get(kind, kind)}` (`kind` = `{kind}`) | {r.qos} | "
                    f"{'yes' if r.retain else 'no'} | {expiry} | {r.why} |")
    return "\n".join(rows) + "\n"


def pages() -> dict[Path, str]:
    from retrogait.daemon.config import (
        BleConfig,
        DaemonConfig,
        DeviceConfig,
        HistoryConfig,
        RecordingConfig,
    )
    from retrogait.sinks.alert_cmd import AlertSettings
    from retrogait.sinks.cues.planner import CueSettings
    from retrogait.sinks.mqtt import DaemonStatus, MqttSettings

    return {
        DOCS / "mqtt.md": topic_table() + "\n" + render([DaemonStatus, MqttSettings]),
        DOCS / "daemon.md": render(
            [DaemonConfig, DeviceConfig, BleConfig, RecordingConfig, HistoryConfig,
             MqttSettings, AlertSettings, CueSettings]),
    }


def main() -> int:
    targets = {p: splice(p, g) for p, g in pages().items()}
    return write_or_check(targets, "tools/gen_mqtt_docs.py")


if __name__ == "__main__":
    sys.exit(main())
