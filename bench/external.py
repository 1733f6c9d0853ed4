"""Score newsflow on the external dev sets with their own scorer (../shared/data/external).

The sets are publishers' text: this module only runs the scorer that lives beside them, which
reads them at run time. `python -m bench.external` prints the key figures; bench.quality
prints them beside the gold set's.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"

# The figures printed per set, with the target where it sets one.
KEY_FIGURES: dict[str, tuple[tuple[str, float | None], ...]] = {
    "polnear-dev": (
        ("direct_f1", 0.95),
        ("direct_spk_acc_strict", 0.92),
        ("direct_spk_acc_coref", 0.85),
        ("direct_e2e_recall", 0.85),
        ("indirect_f1", 0.75),
        ("indirect_spk_acc_strict", None),
        ("headline_exact", None),
    ),
    "conll2003-testa": (
        ("mention_f1", None),
        ("mention_f1_PER", None),
        ("doc_canon_f1_PER", 0.85),
        ("headline_exact", None),
    ),
}


def enrich_command() -> str:
    """Return the enrich command the scorer runs: this interpreter, this checkout's code."""
    return f"{shlex.quote(sys.executable)} -m streams enrich -"


def score_set(name: str, root: Path = EXTERNAL, timeout: float = 900) -> dict[str, float]:
    """Run the external scorer on one set and return its figures, with the share of
    articles whose headline is the gold's (the scorer does not score headlines).

    Raises RuntimeError with the scorer's last output line when it fails.
    """
    with tempfile.TemporaryDirectory() as scratch:
        saved = Path(scratch) / "output.jsonl"
        command = [sys.executable, str(root / "score.py"), name, "--cmd", enrich_command(),
                   "--json", "--save", str(saved)]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False,
            cwd=Path(__file__).resolve().parents[1],
        )  # fmt: skip
        lines = done.stdout.strip().splitlines()
        figures = [line for line in lines if line.startswith("{")]
        if done.returncode != 0 or not figures:
            tail = (done.stderr.strip().splitlines() or lines or ["no output"])[-1]
            raise RuntimeError(f"external scorer failed on {name}: {tail}")
        scores = {k: v for k, v in json.loads(figures[-1]).items() if isinstance(v, (int, float))}
        if saved.is_file():
            scores["headline_exact"] = headline_exact(saved, root / name / "gold.jsonl")
    return scores


def headline_exact(output: Path, gold: Path) -> float:
    """Return the share of gold articles whose output headline is the gold headline,
    whitespace collapsed (no headline on both sides is a match, a missing output is not)."""
    headlines = {}
    for line in output.read_text(encoding="utf-8").splitlines():
        record = json.loads(line) if line.strip() else {}
        if "id" in record:
            headlines[record["id"]] = _collapsed(record.get("headline"))
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line]
    right = sum(headlines.get(row["id"]) == _collapsed(row.get("headline")) for row in rows)
    return right / len(rows) if rows else 0.0


def _collapsed(text: str | None) -> str:
    return " ".join((text or "").split())


def score_external(root: Path = EXTERNAL) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Score every external set present; return the figures and notes on what was skipped."""
    results: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    if not (root / "score.py").is_file():
        return results, [f"skipped external sets: {root} is not there"]
    for name in KEY_FIGURES:
        if not (root / name).is_dir():
            notes.append(f"skipped {name}: {root / name} is not there")
            continue
        try:
            results[name] = score_set(name, root)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            notes.append(str(error))
    return results, notes


def format_external(results: dict[str, dict[str, float]]) -> str:
    """Return the key figures of each scored set as table rows."""
    lines = []
    for name, figures in results.items():
        label = name
        for key, target in KEY_FIGURES[name]:
            if key in figures:
                shown = "" if target is None else f"{target}"
                lines.append(f"{label:<22}{key:<24}{'':>14}{figures[key]:>10.3f}{shown:>9}")
                label = ""
    return "\n".join(lines)


def main() -> int:
    """Print the external sets' key figures."""
    results, notes = score_external()
    print(format_external(results))
    for note in notes:
        print(f"note: {note}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
