"""Imports flow one way, down the flow: a module may import from its own layer or the layers
below it, never from a layer above (docs/architecture.md, "Layers"). Read from the source with
``ast``, so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "retrogait"

# top-level module or package of retrogait -> layer (lower = closer to the data)
LAYERS: dict[str, int] = {
    # shared vocabulary: errors, units/frames, messages, formats
    "errors": 0, "mounting": 0, "events": 0, "outfiles": 0, "truth": 0,
    "footstrike": 0, "profiles": 0,
    # source -> decoder -> timing / recording
    "decoders": 1, "sources": 2, "timing": 2, "recording": 2,
    # per-sensor pipeline and cross-sensor fusion
    "pipeline": 3, "fusion": 3,
    # the synchronous session that strings them together, and the interface of the sinks it feeds
    "session": 4, "sink": 4,
    # whole-file work on top of the session: column cache, evaluation, simulator
    "offline": 5, "evaluate": 5, "simulate": 5,
    "insights": 6,
    "sinks": 7,
    "api": 8, "daemon": 8,
    "cli": 9, "__init__": 10, "__main__": 10,
}

# the one import that runs up, with its reason: a profile names its decoder, and the loader
# checks that name against the decoder registry (whose decoders are built from the profile
# model), so a profile with an unknown decoder is refused when it loads, not when it is used
ALLOWED_UPWARD = {("profiles/loader.py", "retrogait.decoders")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts.pop()
    return ".".join(parts)


def _imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in ``tree``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            out.append((base, node.lineno))
    return out


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "retrogait" and len(parts) > 1 else None


def upward_imports() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        top = _top(module) or "__init__"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target, line in _imported(tree, module, path.name == "__init__.py"):
            other = _top(target)
            if other is None or other == top:
                continue
            allowed = (str(path.relative_to(PACKAGE)), target) in ALLOWED_UPWARD
            if LAYERS[other] > LAYERS[top] and not allowed:
                found.append(f"{path.relative_to(PACKAGE)}:{line} ({top}) imports {target} "
                             f"({other}, a layer above)")
    return found


def test_every_module_has_a_layer() -> None:
    tops = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
            if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert tops <= set(LAYERS), f"give these a layer in LAYERS: {sorted(tops - set(LAYERS))}"


def test_imports_flow_down_the_flow() -> None:
    assert upward_imports() == []


def test_the_check_sees_an_upward_import() -> None:
    """The checker itself: an import from a higher layer inside a function is reported."""
    tree = ast.parse("def f():\n    from ..sinks import mqtt\n")
    [(target, line)] = _imported(tree, "retrogait.pipeline.sensor", is_package=False)
    assert (target, line) == ("retrogait.sinks", 2)
    assert LAYERS[_top(target) or ""] > LAYERS["pipeline"]
