"""One list of event models: the ``Event`` union in events.py. The registry (``EVENT_MODELS``),
the parser and the generated ``docs/events.md`` must all say the same, so adding an event type
touches one place."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from pydantic import BaseModel

from retrogait import events
from retrogait.events import EVENT_ADAPTER, EVENT_MODELS, parse_event


def _kind(model: type[BaseModel]) -> str:
    return str(model.model_fields["kind"].default)


def test_every_event_class_is_in_the_union_and_the_registry() -> None:
    defined = [cls for _, cls in inspect.getmembers(events, inspect.isclass)
               if issubclass(cls, BaseModel) and cls.__module__ == events.__name__
               and "kind" in cls.model_fields]
    assert defined, "no event classes found"
    assert set(defined) == set(EVENT_MODELS)
    assert len(EVENT_MODELS) == len(set(EVENT_MODELS))


def test_parser_knows_exactly_the_registry_kinds() -> None:
    mapping = EVENT_ADAPTER.json_schema()["discriminator"]["mapping"]
    kinds = [_kind(m) for m in EVENT_MODELS]
    assert len(kinds) == len(set(kinds)), "two event models share a kind"
    assert set(mapping) == set(kinds)


def test_generated_docs_list_the_registry_in_order(repo_root: Path) -> None:
    text = (repo_root / "docs" / "events.md").read_text(encoding="utf-8")
    documented = re.findall(r"^### `(\w+)`", text, flags=re.MULTILINE)
    assert documented == [m.__name__ for m in EVENT_MODELS]


def test_a_payload_of_each_kind_parses_to_its_model() -> None:
    # the smallest valid payload of each model, from its JSON schema's required fields
    samples = {"number": 1.0, "integer": 1, "string": "s", "boolean": False, "array": []}
    for model in EVENT_MODELS:
        schema = model.model_json_schema()
        data: dict[str, object] = {"kind": _kind(model)}
        for name in schema.get("required", []):
            prop = schema["properties"][name]
            if "enum" in prop:
                data[name] = prop["enum"][0]
            elif "$ref" in prop:
                ref = schema["$defs"][prop["$ref"].split("/")[-1]]
                data[name] = ref["enum"][0]
            elif "const" in prop:
                data[name] = prop["const"]
            else:
                data[name] = samples[prop.get("type", "string")]
        parsed = parse_event(model.model_validate(data).model_dump_json())
        assert type(parsed) is model
