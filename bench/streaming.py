"""Peak memory, time and per-line latency of `newsflow enrich` streaming tiny JSON lines.

    python -m bench.streaming --lines 50000          the whole run the README quotes
    python -m bench.streaming --lines 2000 --latency 20

Runs the real command as a child process; its peak RSS is read from getrusage in a wrapper
process whose only child it is, so earlier children of the caller do not count.
"""

from __future__ import annotations

import argparse
import json
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

NEWSFLOW = [sys.executable, "-m", "streams"]

# The wrapper: run the command with stdin from a file and stdout counted, then report the
# child's peak RSS (kB on Linux) and the output line count as one JSON line on stderr.
WRAPPER = """
import json, resource, subprocess, sys
with open(sys.argv[1], "rb") as stdin:
    child = subprocess.Popen(sys.argv[2:], stdin=stdin, stdout=subprocess.PIPE)
    lines = sum(1 for _ in child.stdout)
child.wait()
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"peak_kb": peak, "lines": lines, "status": child.returncode}), file=sys.stderr)
"""


def tiny_article(number: int, pad: int = 0) -> str:
    """Return one tiny article as a JSON line: a person, a place and a quote.

    `pad` bytes ride along in a field RawArticle ignores: the line is long (reading the input
    whole would show in memory) while spaCy's work stays tiny.
    """
    text = f'Ada Obi said on Monday: "Shipment {number} has reached Lagos." She left.'
    article = {"id": f"tiny-{number}", "text": text}
    if pad:
        article["crawl_padding"] = "x" * pad
    return json.dumps(article)


def write_tiny_articles(path: Path, count: int, pad: int = 0) -> Path:
    """Write `count` tiny articles to `path` as JSON lines."""
    with path.open("w") as out:
        for number in range(count):
            out.write(tiny_article(number, pad) + "\n")
    return path


@dataclass(frozen=True)
class Run:
    """What one `newsflow enrich` run over a file cost."""

    lines_in: int
    lines_out: int
    status: int
    peak_rss_mb: float
    seconds: float

    def summary(self) -> str:
        rate = self.lines_out / self.seconds if self.seconds else 0.0
        return (
            f"enrich {self.lines_in} lines -> {self.lines_out} records, exit {self.status}: "
            f"{self.seconds:.1f} s ({rate:.0f} articles/s), peak RSS {self.peak_rss_mb:.0f} MB"
        )


def measure_run(path: Path, lines: int, *options: str) -> Run:
    """Run `newsflow enrich - [options]` on the JSON lines of `path` and measure it."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(path), *NEWSFLOW, "enrich", *options, "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.monotonic() - started
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return Run(lines, report["lines"], report["status"], report["peak_kb"] / 1024, seconds)


def line_latencies(count: int, timeout_s: float = 120.0) -> list[float]:
    """Feed `count` lines to `newsflow enrich -` one at a time, keeping stdin open; return the
    seconds from each line written to its record read (the first includes loading the model).

    Raises TimeoutError when a record does not come while stdin stays open.
    """
    child = subprocess.Popen(
        [*NEWSFLOW, "enrich", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert child.stdin is not None and child.stdout is not None
    latencies = []
    try:
        for number in range(count):
            started = time.monotonic()
            child.stdin.write((tiny_article(number) + "\n").encode())
            child.stdin.flush()
            readable, _, _ = select.select([child.stdout], [], [], timeout_s)
            if not readable:
                raise TimeoutError(f"no record for line {number + 1} in {timeout_s} s")
            record = json.loads(child.stdout.readline())
            latencies.append(time.monotonic() - started)
            if record["id"] != f"tiny-{number}":
                raise AssertionError(f"line {number + 1} gave record {record['id']!r}")
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--latency", type=int, default=10, metavar="N", help="lines fed singly")
    parser.add_argument("--pad", type=int, default=1000, metavar="B", help="ignored bytes a line")
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path("/tmp"))
    args = parser.parse_args()
    path = write_tiny_articles(args.dir / f"tiny-{args.lines}.jsonl", args.lines, args.pad)
    size_mb = path.stat().st_size / 1e6
    print(f"input {path}: {size_mb:.0f} MB")
    try:
        print(measure_run(path, args.lines, "--n-process", str(args.n_process)).summary())
    finally:
        path.unlink()
    if args.latency:
        latencies = sorted(line_latencies(args.latency)[1:])
        if latencies:
            print(
                f"latency per line (stdin kept open, {len(latencies)} lines after the first): "
                f"median {1000 * latencies[len(latencies) // 2]:.0f} ms, "
                f"max {1000 * latencies[-1]:.0f} ms"
            )


if __name__ == "__main__":
    main()
