"""The layers import one way: schemas <- nlp; schemas <- runtime <- stages and sinks <- cli.

Checked on the source (every import, lazy ones inside functions too), so a change that crosses
a line fails here rather than in review.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STREAMS = ROOT / "streams"

# Top-level modules of streams/ that belong to no part: the settings, the stage table, the CLI.
TOP_LEVEL = {"__init__", "__main__", "config", "stages", "cli"}
KAFKA = ("kafka", "aiokafka", "faust", "mode")


@cache
def imports_of(path: Path) -> frozenset[str]:
    """Return every module `path` imports, absolute, with relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


def modules_under(*parts: str) -> list[Path]:
    return sorted(ROOT.joinpath(*parts).rglob("*.py"))


def crossing(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    """Return 'file: module' for each import of a forbidden module (or one below it)."""
    return [
        f"{path.relative_to(ROOT)}: {name}"
        for path in paths
        for name in sorted(imports_of(path))
        if any(name == bad or name.startswith(bad + ".") for bad in forbidden)
    ]


def test_the_nlp_imports_no_kafka_no_faust_no_database_and_no_pipeline() -> None:
    forbidden = (*KAFKA, "psycopg", "pyarrow", "streams.runtime", "streams.agents",
                 "streams.sinks", "streams.broker", "streams.intake", "streams.stages")  # fmt: skip
    assert crossing(modules_under("streams", "nlp"), forbidden) == []


def test_the_schemas_import_only_pydantic_and_the_standard_library() -> None:
    allowed = {"pydantic", "schemas", "__future__", *sys.stdlib_module_names}
    outside = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules_under("schemas")
        for name in imports_of(path)
        if name.split(".")[0] not in allowed
    ]
    assert outside == []


def test_the_runtime_knows_no_nlp_no_database_and_no_stage_or_sink() -> None:
    forbidden = ("streams.nlp", "psycopg", "pyarrow", "spacy", "streams.agents", "streams.sinks")
    assert crossing(modules_under("streams", "runtime"), forbidden) == []


def test_stages_and_sinks_are_peers_that_never_import_each_other() -> None:
    assert crossing(modules_under("streams", "agents"), ("streams.sinks",)) == []
    assert crossing(modules_under("streams", "sinks"), ("streams.agents", "streams.nlp")) == []


@pytest.mark.parametrize("folder", ["streams", "schemas", "bench"])
def test_nothing_shipped_or_benchmarked_imports_the_tests(folder: str) -> None:
    assert crossing(modules_under(folder), ("tests",)) == []


def test_every_module_of_streams_lives_in_a_named_part() -> None:
    loose = {path.stem for path in STREAMS.glob("*.py")} - TOP_LEVEL
    assert loose == set()


def test_every_stage_of_the_table_names_a_module_with_a_build_function() -> None:
    from streams.stages import STAGES

    for stage in STAGES:
        path = ROOT / (stage.module.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert "build" in functions, stage.name
