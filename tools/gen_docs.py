#!/usr/bin/env python3
"""Generate the reference docs from the pydantic models (the single definition of each format).

    python tools/gen_docs.py          # rewrite docs/*.md generated sections and docs/schemas/
    python tools/gen_docs.py --check  # exit 1 if a generated file is out of date (CI/tests)

Each generated document is written between the markers ``<!-- generated:begin -->`` and
``<!-- generated:end -->`` of its hand-written page, so prose and generated tables live together.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BEGIN, END = "<!-- generated:begin -->", "<!-- generated:end -->"


def _type(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].split("/")[-1]
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " \\| ".join(json.dumps(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " \\| ".join(_type(s, defs) for s in schema["anyOf"])
    t = schema.get("type", "any")
    if t == "array":
        if "prefixItems" in schema:
            return "[" + ", ".join(_type(s, defs) for s in schema["prefixItems"]) + "]"
        return f"list[{_type(schema.get('items', {}), defs)}]"
    if t == "object" and "additionalProperties" in schema:
        return f"dict[str, {_type(schema['additionalProperties'], defs)}]"
    return str(t)


def model_table(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    doc = (model.__doc__ or "").strip().splitlines()
    title = f"### `{model.__name__}`" + (f" — {doc[0]}" if doc else "")
    rows = [title, "",
            "| field | type | required | default | description |", "|---|---|---|---|---|"]
    for name, prop in schema.get("properties", {}).items():
        default = json.dumps(prop["default"]) if "default" in prop else ""
        desc = prop.get("description", "").replace("|", "\\|").replace("\n", " ")
        rows.append(
            f"| `{name}` | {_type(prop, defs)} | {'yes' if name in required else ''} | "
            f"{default} | {desc} |"
        )
    return "\n".join(rows) + "\n"


def render(models: list[type[BaseModel]]) -> str:
    return "\n".join(model_table(m) for m in models)


def splice(page: Path, generated: str) -> str:
    text = page.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{page}: missing generated markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{generated}\n{END}{tail}"


def pages() -> dict[Path, str]:
    from retrogait import events as ev
    from retrogait.recording import format as rf
    from retrogait.truth import ActivitySegment, GroundTruth, SensorTruth, TruthStride

    out = {
        DOCS / "recording-format.md": render(
            [rf.Header, rf.SensorInfo, rf.NotificationRecord, rf.SamplesRecord,
             rf.ConnectionRecord, rf.MarkerRecord, rf.EndRecord]
        ),
        DOCS / "truth-format.md": render([GroundTruth, SensorTruth, TruthStride, ActivitySegment]),
        DOCS / "events.md": render(list(ev.EVENT_MODELS)),
    }
    return out


def schemas() -> dict[Path, str]:
    from retrogait.events import EVENT_ADAPTER
    from retrogait.profiles.schema import FirmwareProfile
    from retrogait.recording.format import BODY_ADAPTER, Header
    from retrogait.truth import GroundTruth

    d = DOCS / "schemas"
    items: dict[str, Any] = {
        "firmware-profile": FirmwareProfile.model_json_schema(),
        "recording-header": Header.model_json_schema(),
        "recording-record": BODY_ADAPTER.json_schema(),
        "truth": GroundTruth.model_json_schema(),
        "event": EVENT_ADAPTER.json_schema(),
    }
    return {d / f"{k}.schema.json": json.dumps(v, indent=1) + "\n" for k, v in items.items()}


def write_or_check(targets: dict[Path, str], script: str) -> int:
    """Write each target file's text (``--check``: only compare); exit status 1 when ``--check``
    finds a file out of date, naming ``script`` to run."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    stale = []
    for path, text in targets.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date: " + ", ".join(str(p.relative_to(ROOT)) for p in stale))
        print(f"run: python {script}")
        return 1
    return 0


def main() -> int:
    targets = {p: splice(p, g) for p, g in pages().items()} | schemas()
    return write_or_check(targets, "tools/gen_docs.py")


if __name__ == "__main__":
    sys.exit(main())
