"""Dashboards and HA discovery against the real topic schema (retrogait.sinks.mqtt) and models."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_args

import pytest
from paho.mqtt.client import topic_matches_sub as matches  # MQTT filter: + one level, # rest
from pydantic import BaseModel

from retrogait.daemon.mqtt_cli import DEFAULT_ATHLETE
from retrogait.events import (
    CadenceEvent,
    Event,
    FallEvent,
    LandingEvent,
    SensorStatusEvent,
    StrideEvent,
    TrunkStepEvent,
)
from retrogait.insights.homeassistant import (
    discovery_messages,
    is_ha_birth,
    removal_messages,
)
from retrogait.insights.summary import SessionSummary, SummaryBuilder
from retrogait.sinks import mqtt as sink

from .helpers import run_of

REPO = Path(__file__).resolve().parents[2]
PREFIX, ATHLETE, SENSORS = "retrogait", DEFAULT_ATHLETE, ("left", "right")


def event_models() -> dict[str, type[BaseModel]]:
    union = get_args(get_args(Event)[0])  # Annotated[Union[...], Field(discriminator)]
    return {m.model_fields["kind"].default: m for m in union}


def topic_schema() -> dict[str, type[BaseModel]]:
    """Every concrete topic the sink publishes for one athlete with the two foot sensors."""
    out: dict[str, type[BaseModel]] = {}
    for kind, model in event_models().items():
        assert kind in sink.ROUTES, f"no route for {kind}"
        for sensor in SENSORS:
            stub: Any = SimpleNamespace(kind=kind, sensor=sensor)
            out[sink.event_topic(PREFIX, ATHLETE, stub)] = model
    out[f"{PREFIX}/{ATHLETE}/{sink.STATUS_ROUTE.leaf}"] = sink.DaemonStatus
    out[f"{PREFIX}/{ATHLETE}/{sink.SESSION_ROUTE.leaf}"] = SessionSummary
    out[f"{PREFIX}/{ATHLETE}/{sink.ALERT_ROUTE.leaf}"] = FallEvent  # or empty: alarm over
    return out


def models_for(pattern: str) -> set[type[BaseModel]]:
    found = {m for topic, m in topic_schema().items() if matches(pattern, topic)}
    assert found, f"{pattern}: the sink publishes nothing there"
    return found


def top_fields(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def test_schema_sanity() -> None:
    schema = topic_schema()
    assert schema[f"{PREFIX}/{ATHLETE}/cadence"] is CadenceEvent
    assert schema[f"{PREFIX}/{ATHLETE}/left/landing"] is LandingEvent
    assert schema[f"{PREFIX}/{ATHLETE}/right/status"] is SensorStatusEvent
    assert matches("a/+/c", "a/b/c") and not matches("a/+", "a/b/c") and matches("a/#", "a/b/c")


def test_node_red_flow() -> None:
    flow = json.loads((REPO / "tools/dashboards/node-red-flow.json").read_text())
    by_id = {n["id"]: n for n in flow}
    ins = [n for n in flow if n["type"] == "mqtt in"]
    assert len(ins) >= 6
    assert all(n["datatype"] == "json" and by_id[n["broker"]]["type"] == "mqtt-broker"
               for n in ins)
    covered: set[type[BaseModel]] = set()
    for node in ins:
        models = models_for(node["topic"])
        covered |= models
        for (target,) in [w for w in node["wires"] if w]:
            code = by_id[target]["func"]
            used = set(re.findall(r"\bp\.(\w+)", code)) | set(
                re.findall(r"msg\.payload\.(\w+)", code))
            assert used, f"{target} reads no payload field"
            for model in models:
                assert used <= top_fields(model), (node["topic"], used - top_fields(model))
            # nested reads (p.backward.distance_m) exist in the model too
            for outer, inner in re.findall(r"\bp\.(\w+)\.(\w+)", code):
                if inner in ("toFixed",):
                    continue
                for model in models:
                    sub = model.model_fields[outer].annotation
                    assert isinstance(sub, type) and inner in sub.model_fields, (outer, inner)
    assert {CadenceEvent, LandingEvent, SensorStatusEvent, sink.DaemonStatus,
            SessionSummary} <= covered


def test_grafana_dashboard() -> None:
    dash = json.loads((REPO / "tools/dashboards/grafana-dashboard.json").read_text())
    assert dash["__inputs"][0]["pluginId"] == "grafana-mqtt-datasource"
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"]) >= 6
    for panel in dash["panels"]:
        (target,) = panel["targets"]
        assert target["datasource"]["type"] == "grafana-mqtt-datasource"
        topic = target["topic"]
        assert "+" not in topic and "#" not in topic  # the plugin wants concrete topics
        (model,) = models_for(topic)
        names = panel["transformations"][0]["options"]["include"]["names"]
        assert names[0] == "Time"  # the plugin's receive stamp
        fields = set(names[1:])
        assert fields and fields <= top_fields(model), (topic, fields - top_fields(model))
        assert "Time" not in top_fields(model)  # would collide with the plugin's column


# ---- Home Assistant discovery ---------------------------------------------------------------


def render(template: str, payload: dict[str, Any]) -> Any:
    """The few Jinja forms the discovery configs use: {{ value_json.a.b [* 100] | round(n) }},
    optionally followed by ``if value_json.a.b is not none else none``."""
    guarded = re.fullmatch(r"\{\{ (.*) if value_json\.([\w.]+) is not none else none \}\}",
                           template)
    if guarded:
        value: Any = payload
        for key in guarded.group(2).split("."):
            value = value[key]
        if value is None:
            return None
        template = "{{ " + guarded.group(1).strip() + " }}"
    m = re.fullmatch(r"\{\{ \(?value_json\.([\w.]+)( \* 100)?\)?( \| round\((\d)\))? \}\}",
                     template)
    assert m, f"unsupported template {template}"
    value = payload
    for key in m.group(1).split("."):
        value = value[key]
    if m.group(2):
        value *= 100
    if m.group(3):
        value = round(value, int(m.group(4)))
    return value


def sample_payloads() -> dict[str, dict[str, Any]]:
    summary = SummaryBuilder(athlete=ATHLETE).add_all(
        run_of("left", "left", 0, 10, 0.8, 0.2, 1.6, "backward", "forefoot", -8.0)).summary()
    return {
        f"{PREFIX}/{ATHLETE}/cadence": json.loads(CadenceEvent(
            t_s=1, emitted_at_s=1, steps_per_min=171.4, window_s=10, steps_in_window=28,
            backward_share=0.75).model_dump_json()),
        f"{PREFIX}/{ATHLETE}/left/landing": json.loads(LandingEvent(
            t_s=1, emitted_at_s=1, sensor="left", foot="left", foot_strike="forefoot",
            strike_angle_deg=-9).model_dump_json()),
        f"{PREFIX}/{ATHLETE}/left/stride": json.loads(next(
            e for e in run_of("left", "left", 0, 3, 0.8, 0.2, 1.6, "backward", "forefoot", -8.0)
            if isinstance(e, StrideEvent)).model_dump_json()),
        f"{PREFIX}/{ATHLETE}/left/status": json.loads(SensorStatusEvent(
            t_s=1, emitted_at_s=1, sensor="left", status="reconnected").model_dump_json()),
        f"{PREFIX}/{ATHLETE}/session": json.loads(summary.to_json()),
        f"{PREFIX}/{ATHLETE}/status": json.loads(sink.DaemonStatus(
            state="offline", athlete=ATHLETE, client_id="c", session_id="s").model_dump_json()),
    }


def test_home_assistant_discovery_against_the_topic_schema() -> None:
    msgs = discovery_messages(PREFIX, ATHLETE, [("left", "left"), ("right", "right")])
    schema = topic_schema()
    payloads = sample_payloads()
    seen_ids = set()
    checked = set()
    expected = {"cadence": 171.4, "backward_share": 75.0, "last_session_backward_distance": 16.0,
                "left_foot_strike": "forefoot", "left_status": "reconnected",
                "last_session_backward_time": 8.0, "last_session_forefoot_share": 100.0,
                "left_contact_time": 0.2, "left_stride_length": 1.6, "left_speed": 2.0}
    for m in msgs:
        assert m.retain and m.qos == 1
        cfg = json.loads(m.payload)
        if m.topic.startswith("homeassistant/binary_sensor/"):  # the fall alert
            assert cfg["state_topic"] == f"{PREFIX}/{ATHLETE}/alert"
            assert cfg["value_template"] == "{{ 'ON' if value else 'OFF' }}"
            assert cfg["state_topic"] in schema
            assert cfg["default_entity_id"] == f"binary_sensor.{cfg['unique_id']}"
            continue
        assert re.fullmatch(r"homeassistant/sensor/retrogait_athlete/[\w-]+/config", m.topic)
        assert m.topic.split("/")[3] == cfg["unique_id"]
        # object_id is deprecated (HA 2025.10) and dropped in 2026.4
        assert "object_id" not in cfg and cfg["default_entity_id"] == f"sensor.{cfg['unique_id']}"
        if "unit_of_measurement" in cfg:  # numeric: HA keeps long-term statistics
            assert cfg["state_class"] == "measurement", cfg["unique_id"]
        assert cfg["unique_id"] not in seen_ids
        seen_ids.add(cfg["unique_id"])
        assert cfg["state_topic"] in schema
        (av,) = cfg["availability"]
        assert av["topic"] == f"{PREFIX}/{ATHLETE}/status" and schema[av["topic"]] is \
            sink.DaemonStatus
        assert render(av["value_template"], payloads[av["topic"]]) == "offline"
        assert {"online", "offline"} == set(get_args(
            sink.DaemonStatus.model_fields["state"].annotation))
        if cfg["state_topic"] in payloads:
            value = render(cfg["value_template"], payloads[cfg["state_topic"]])
            key = cfg["unique_id"].removeprefix("retrogait_athlete_")
            if key in expected:
                assert value == pytest.approx(expected[key])
                checked.add(key)
            if cfg.get("device_class") == "enum":
                assert value in cfg["options"]
    assert checked == set(expected)
    assert len(msgs) == 5 + 1 + 2 * 5  # + the fall alert
    assert {m.topic for m in removal_messages(PREFIX, ATHLETE, [("left", "left"),
                                                               ("right", "right")])} == \
        {m.topic for m in msgs}


def test_home_assistant_birth_triggers_reannounce() -> None:
    assert is_ha_birth("homeassistant/status", b"online")
    assert not is_ha_birth("homeassistant/status", b"offline")
    assert not is_ha_birth("retrogait/athlete/status", b"online")
    assert is_ha_birth("ha/status", "online", discovery_prefix="ha")


def test_home_assistant_trunk_entities_lean_and_oscillation() -> None:
    msgs = discovery_messages(PREFIX, ATHLETE, [("left", "left"), ("chest", "trunk")])
    step = TrunkStepEvent(t_s=1, emitted_at_s=1.3, sensor="chest", step_time_s=0.35,
                          cadence_spm=171.43, vertical_oscillation_cm=6.27, pitch_deg=-3.44,
                          roll_deg=0.5, contact_time_s=0.25, direction="backward")
    payload = json.loads(step.model_dump_json())
    got = {}
    for m in msgs:
        cfg = json.loads(m.payload)
        if cfg["state_topic"] == f"{PREFIX}/{ATHLETE}/chest/trunk_step":
            got[cfg["unique_id"].removeprefix(f"retrogait_{ATHLETE}_")] = render(
                cfg["value_template"], payload)
    assert got == {"chest_lean": -3.4, "chest_vertical_oscillation": 6.3,
                   "chest_cadence": 171.4}
    assert not [m for m in msgs if "chest_foot_strike" in m.topic]
    assert sink.route_for("trunk_step").retain  # the last step is the current value
