"""The external sets' headline figure: the output's headline against the set's gold field."""

from __future__ import annotations

import json
from pathlib import Path

from bench.external import headline_exact


def write_lines(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_headline_exact_counts_equal_headlines_whitespace_collapsed(tmp_path: Path) -> None:
    gold = write_lines(
        tmp_path / "gold.jsonl",
        [
            {"id": "a", "headline": "Senate  backs the plan."},
            {"id": "b", "headline": "Ferry fares rise"},
            {"id": "c", "headline": None},
            {"id": "d", "headline": "Never enriched"},
        ],
    )
    output = write_lines(
        tmp_path / "output.jsonl",
        [
            {"id": "a", "headline": "Senate backs the plan."},
            {"id": "b", "headline": "Photo: the ferry at dawn"},
            {"id": "c", "headline": None},
        ],
    )
    assert headline_exact(output, gold) == 2 / 4
